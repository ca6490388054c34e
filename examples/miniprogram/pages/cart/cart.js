const app = getApp();

Page(
  app.pages.wrapPage({
    onShow() {
      this.setData({ items: app.globalData.cart });
    },
    // bindtap="onCheckout"
    onCheckout() {
      const products = app.globalData.cart;
      const total = products.reduce((sum, p) => sum + p.price * p.quantity, 0);
      app.tp.track('Checkout Started', { value: total, revenue: total, currency: 'CNY', products });
    },
  }),
);
