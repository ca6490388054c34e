module.exports = {
  'sku-oolong': { product_id: 'sku-oolong', name: 'Tieguanyin oolong', category: 'tea', price: 68, currency: 'CNY' },
  'sku-puer': { product_id: 'sku-puer', name: 'Menghai pu-erh', category: 'tea', price: 128, currency: 'CNY' },
};
