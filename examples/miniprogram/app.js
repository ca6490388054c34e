// The tracker is made once, here, before App(): one per launch. Plugins are opt-in; pages are
// observed through `pages.wrapPage(...)`, nothing global is replaced.
// `require('touchpoint')` is dist/miniprogram/touchpoint.js after WeChat's "build npm";
// a project without npm copies that file and requires it by path.
const { createTracker, attributionPlugin, lifecyclePlugin, pagesPlugin } = require('touchpoint');
const config = require('./config.js');

const pages = pagesPlugin();
const tp = createTracker({
  writeKey: config.writeKey,
  endpoint: config.endpoint,
  plugins: [attributionPlugin(), lifecyclePlugin(), pages],
});

App({
  tp,
  pages,
  globalData: { cart: [], user: null },
  onLaunch() {
    // The app's own code goes on here; tracking needs nothing more.
  },
});
