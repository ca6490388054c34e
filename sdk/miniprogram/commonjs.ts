/**
 * What `dist/miniprogram/touchpoint.js` (one CommonJS file, for WeChat's "build npm" or copying
 * into a project) exports: the tracker and the mini-program plugins. The e-commerce helpers are
 * one-line `track()` calls, left to the ESM entry, where a bundler keeps only those used.
 */
export { attributionPlugin, createTracker, lifecyclePlugin, pagesPlugin, VERSION } from './index';
