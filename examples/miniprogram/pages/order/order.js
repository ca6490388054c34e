const app = getApp();

Page(
  app.pages.wrapPage({
    onLoad(query) {
      this.setData({ orderId: query.order_id });
    },
    // After wx.login and the app's own server exchange: the user id, and the openid as a trait
    // (the collector's PII option can hash it). Nothing about the user is sent unless given here.
    onLogin(e) {
      const user = e.currentTarget.dataset;
      app.globalData.user = user;
      app.tp.identify(user.userId, { openid: user.openid });
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
