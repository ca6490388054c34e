import type { Plugin, PluginHost } from '../../core/plugin';
import { enterOptions, findHost, type Platform, type RawEnterOptions } from '../host';

export interface LifecyclePlugin extends Plugin {
  /** Stops listening: no more Application Opened / Backgrounded. */
  teardown(): void;
}

/**
 * App lifecycle with Segment's mobile event names: `Application Opened` at launch
 * (`from_background: false`) and on each return from the background (`true`), with the scene,
 * path and query of that entry; `Application Backgrounded` with `duration_ms` in front. Listens
 * through the host's `onAppShow` / `onAppHide`: nothing global is replaced, and `teardown()` stops it.
 */
export function lifecyclePlugin({ platform }: { platform?: Platform } = {}): LifecyclePlugin {
  let stop = () => {};
  return {
    name: 'mini-lifecycle',
    setup(tracker: PluginHost) {
      const host = findHost(platform);
      if (!host) return;
      const { api } = host;
      let shownAt = tracker.now();
      let hidden = false;
      const opened = (raw: RawEnterOptions | undefined, fromBackground: boolean) => {
        const { path, query, scene, referrerAppId } = enterOptions(raw);
        shownAt = tracker.now();
        tracker.track('Application Opened', {
          from_background: fromBackground,
          scene,
          path,
          query,
          ...(referrerAppId && { referring_application: referrerAppId }),
        });
      };
      const onShow = (raw: RawEnterOptions) => {
        // The first show is the launch itself, already tracked.
        if (hidden) opened(raw, true);
        hidden = false;
      };
      const onHide = () => {
        hidden = true;
        tracker.track('Application Backgrounded', { duration_ms: tracker.now() - shownAt });
      };
      api.onAppShow?.(onShow);
      api.onAppHide?.(onHide);
      stop = () => {
        api.offAppShow?.(onShow);
        api.offAppHide?.(onHide);
      };
      opened(api.getLaunchOptionsSync?.(), false);
    },
    teardown: () => stop(),
  };
}
