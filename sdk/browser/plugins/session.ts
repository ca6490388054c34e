import { campaignKey, touchFrom } from '../../core/attribution';
import type { Plugin, PluginHost } from '../../core/plugin';
import { nextSession, type SessionState } from '../../core/session';
import type { SafeStore } from '../../core/store';

const KEY = 'tp:v1:session';

/** Sessions: `context.session { id, index, start }`; a new one after 30 minutes idle or a new campaign. */
export function sessionPlugin({ timeoutMinutes = 30 } = {}): Plugin {
  let state: SessionState | undefined;
  let store: SafeStore | undefined;
  let tracker: PluginHost | undefined;
  let campaign = '';
  return {
    name: 'session',
    async load(s, host) {
      store = s;
      tracker = host;
      state = await s.get<SessionState>(KEY);
      const { url = '', referrer = '' } = host.context().page ?? {};
      campaign = campaignKey(touchFrom(url, referrer, ''));
    },
    enrich(event) {
      // Events are stamped by the tracker's clock; one without a time (none it builds) is now.
      const at = event.timestamp ? Date.parse(event.timestamp) : tracker!.now();
      const next = nextSession(state, at, campaign, tracker!.uuid, timeoutMinutes * 60_000);
      state = next;
      void store?.set(KEY, next);
      event.context = { ...event.context, session: { id: next.id, index: next.index, start: next.start } };
      return event;
    },
  };
}
