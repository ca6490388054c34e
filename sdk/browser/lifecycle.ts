import type { Lifecycle } from '../core/tracker';

/** `visibilitychange` to hidden is the last reliable moment on mobile; `pagehide` covers the rest. */
export function browserLifecycle(): Lifecycle {
  const onVisibility = (state: DocumentVisibilityState, callback: () => void) =>
    document.addEventListener('visibilitychange', () => document.visibilityState === state && callback());
  return {
    onHidden(callback) {
      onVisibility('hidden', callback);
      addEventListener('pagehide', callback);
    },
    onResume(callback) {
      addEventListener('online', callback);
      // Closing a tab brings another to the front: it picks up what the closed one left.
      onVisibility('visible', callback);
    },
  };
}
