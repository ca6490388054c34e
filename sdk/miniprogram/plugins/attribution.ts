import { attribute, campaignTouch, queryOf, type Attribution, type Touch } from '../../core/attribution';
import type { Plugin, PluginHost } from '../../core/plugin';
import type { SafeStore } from '../../core/store';
import { SHARE_PARAMS } from '../../protocol/attribution';
import { enterOptions, findHost, type EnterOptions, type Platform } from '../host';
import { urlOf } from '../context';

const KEY = 'tp:v1:attribution';

/**
 * Scenes that are a return to the app, not an arrival from somewhere (WeChat's recently used and
 * "my mini-programs" lists, desktop icon, floating window, back from another mini-program; Alipay's
 * favourites, desktop icon, "我的"; Douyin's "my mini-programs", favourites, desktop shortcut, back
 * from another mini-program). A launch from one with no campaign in its query leaves the last touch
 * as it was, as a direct visit does on the web. The collector groups each of these as Direct
 * (`collector/pipeline/enrich/scenes.json`; a test keeps the two in step).
 */
export const RETURN_SCENES: Record<Platform, number[]> = {
  wechat: [1001, 1010, 1022, 1023, 1038, 1089, 1090, 1103, 1104, 1131, 1178, 1186, 1187, 1223, 1255, 1256, 1257, 1271, 1273],
  alipay: [1000, 1002, 1023, 1038, 1402],
  douyin: [11001, 11004, 11005, 11010, 11020, 21001, 21003, 21010, 21020],
};

/**
 * The touch an app entry describes: UTM parameters and click ids from the launch query and from a
 * mini-program code's `scene` parameter (WeChat's wxacode.getUnlimited puts its parameters there,
 * URL-encoded), the shared card's sharer and depth, the scene value and the app that opened this
 * one. Undefined for a return (see RETURN_SCENES) without any of that.
 */
export function entryTouch(entry: EnterOptions, platform: Platform, at: string): Touch | undefined {
  const params = { ...entry.query };
  try {
    if (entry.query.scene) Object.assign(params, queryOf(`?${decodeURIComponent(entry.query.scene)}`));
  } catch {
    // not an encoded query: a scene parameter of the app's own
  }
  const touch = campaignTouch(params, urlOf(entry.path, entry.query), at);
  const sharer = params[SHARE_PARAMS.sharer];
  if (sharer) touch.share = { sharer, depth: Math.max(1, +params[SHARE_PARAMS.depth]! | 0), ...(params[SHARE_PARAMS.id] && { id: params[SHARE_PARAMS.id] }) };
  if (entry.referrerAppId) touch.referrerAppId = entry.referrerAppId;
  touch.scene = entry.scene;
  const campaign = touch.utm || touch.clickIds || touch.share || touch.referrerAppId;
  return campaign || !RETURN_SCENES[platform].includes(entry.scene) ? touch : undefined;
}

/**
 * Channel attribution for mini-programs: first and last touch, as in the browser, from the launch
 * and from each return to the front with a new entry, under `context.attribution`.
 */
export function attributionPlugin({ platform }: { platform?: Platform } = {}): Plugin & { teardown(): void } {
  let attribution: Attribution = {};
  let store: SafeStore | undefined;
  let tracker: PluginHost | undefined;
  const host = findHost(platform);
  const record = (raw: unknown) => {
    if (!host || !tracker) return;
    const updated = attribute(attribution, entryTouch(enterOptions(raw as never), host.platform, new Date(tracker.now()).toISOString()));
    if (updated !== attribution) void store?.set(KEY, (attribution = updated));
  };
  return {
    name: 'mini-attribution',
    async load(s, t) {
      store = s;
      tracker = t;
      const stored = await s.get<Attribution>(KEY);
      if (stored && typeof stored == 'object') attribution = stored;
      record(host?.api.getLaunchOptionsSync?.());
      host?.api.onAppShow?.(record);
    },
    enrich(event) {
      if (attribution.first || attribution.last) event.context = { ...event.context, attribution };
      return event;
    },
    /** Stops following new entries; events keep the attribution known so far. */
    teardown: () => host?.api.offAppShow?.(record),
  };
}
