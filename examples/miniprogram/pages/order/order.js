const app = getApp();

Page(
  app.pages.wrapPage({
    onLoad(query) {
      this.setData({ orderId: query.order_id });
    },
    // bindtap="onLogin": after wx.login (my.getAuthCode, tt.login) and the app's own server
    // exchange have put the session in globalData: the user id, and the openid as a trait (the
    // collector's PII option can hash it). Nothing about the user is sent unless given here.
    onLogin() {
      const session = app.globalData.session;
      if (session) app.tp.identify(session.userId, { openid: session.openid });
    },
    // bindtap="onPay"
    onPay() {
      const products = app.globalData.cart;
      const total = products.reduce((sum, p) => sum + p.price * p.quantity, 0);
      app.tp.track('Order Completed', { order_id: this.data.orderId, revenue: total, currency: 'CNY', products });
      app.globalData.cart = [];
    },
  }),
);
