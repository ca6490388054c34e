import type { Lifecycle } from '../core/tracker';

/** `visibilitychange` to hidden is the last reliable moment on mobile; `pagehide` covers the rest. */
export function browserLifecycle(): Lifecycle {
  return {
    onHidden(callback) {
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'hidden') callback();
      });
      addEventListener('pagehide', callback);
    },
    onOnline(callback) {
      addEventListener('online', callback);
    },
  };
}
