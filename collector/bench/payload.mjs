// A realistic request: 20 events, mixed page / track / identify, with the context a browser SDK sends.
export function makeBatch(seed) {
  const context = (i) => ({
    library: { name: 'touchpoint', version: '0.1.0' },
    page: {
      url: `https://shop.example/products/sku-${i}?utm_source=baidu&utm_medium=cpc&utm_campaign=double11`,
      path: `/products/sku-${i}`,
      referrer: 'https://www.baidu.com/s?wd=longjing+tea',
      title: 'Longjing Green Tea',
    },
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50',
    locale: 'zh-CN',
    timezone: 'Asia/Shanghai',
    screen: { width: 390, height: 844, density: 3 },
    seq: i,
  });
  const batch = [];
  for (let i = 0; i < 20; i++) {
    const base = { messageId: `${seed}-${i}`, anonymousId: `anon-${seed % 1000}`, timestamp: '2026-11-24T10:00:00.000Z', context: context(i) };
    if (i % 10 === 0) batch.push({ ...base, type: 'page', name: 'Product', properties: { path: `/products/sku-${i}`, category: 'Tea' } });
    else if (i === 19) batch.push({ ...base, type: 'identify', userId: `u-${seed % 500}`, traits: { plan: 'vip', city: 'Hangzhou' } });
    else
      batch.push({
        ...base,
        type: 'track',
        event: i % 3 ? 'Product Viewed' : 'Product Added',
        properties: {
          product_id: `sku-${i}`,
          sku: `sku-${i}`,
          name: 'Longjing Green Tea',
          price: 68,
          quantity: 1,
          currency: 'CNY',
          category: 'Tea',
          position: i,
        },
      });
  }
  return JSON.stringify({ batch, sentAt: '2026-11-24T10:00:00.500Z', writeKey: 'demo' });
}
