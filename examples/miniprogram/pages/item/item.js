const app = getApp();
const catalog = require('../../catalog.js');

Page(
  app.pages.wrapPage({
    data: { product: null },
    onLoad(query) {
      const product = catalog[query.id];
      this.setData({ product });
      if (product) app.tp.track('Product Viewed', product);
    },
    // bindtap="onAddToCart" data-sku="{{product.product_id}}"
    onAddToCart() {
      const product = this.data.product;
      app.globalData.cart.push(Object.assign({ quantity: 1 }, product));
      app.tp.track('Product Added', Object.assign({ quantity: 1, cart_id: 'c-' + app.tp.anonymousId() }, product));
    },
    // The card opens this product; the SDK adds who shared it and how deep the chain is.
    onShareAppMessage() {
      const product = this.data.product;
      return { title: product ? product.name : 'Tea', path: '/pages/item/item?id=' + (product ? product.product_id : '') };
    },
  }),
);
