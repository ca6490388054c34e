import { attribute, touchFrom, type Attribution } from '../../core/attribution';
import type { Plugin, PluginHost } from '../../core/plugin';
import type { SafeStore } from '../../core/store';

const KEY = 'tp:v1:attribution';

/**
 * Channel attribution: UTM parameters (utm_id included), ad click ids (Google, Microsoft, Meta,
 * TikTok, X, LinkedIn, Baidu, Tencent), the referrer and the landing page of this visit, kept as
 * first touch and last touch across visits and attached to every event as `context.attribution`.
 */
export function attributionPlugin(): Plugin {
  let attribution: Attribution = {};
  return {
    name: 'attribution',
    async load(store: SafeStore, tracker: PluginHost) {
      const stored = await store.get<Attribution>(KEY);
      if (stored && typeof stored === 'object') attribution = stored;
      const { url = '', referrer = '' } = tracker.context().page ?? {};
      const updated = attribute(attribution, touchFrom(url, referrer, new Date(tracker.now()).toISOString()));
      if (updated !== attribution) {
        attribution = updated;
        await store.set(KEY, attribution);
      }
    },
    enrich(event) {
      if (attribution.first || attribution.last) event.context = { ...event.context, attribution };
      return event;
    },
  };
}
