const app = getApp();
const catalog = require('../../catalog.js');

Page(
  app.pages.wrapPage({
    data: { products: Object.keys(catalog).map((id) => catalog[id]) },
    // bindtap="onOpenProduct" data-product-id="{{item.product_id}}" data-position="{{index}}"
    onOpenProduct(e) {
      this.setData({ opening: e.currentTarget.dataset.productId });
    },
  }),
);
