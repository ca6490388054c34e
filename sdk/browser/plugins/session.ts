import { campaignKey, touchFrom } from '../../core/attribution';
import type { Plugin } from '../../core/plugin';
import { nextSession, type SessionState } from '../../core/session';
import type { SafeStore } from '../../core/store';
import { uuid4 } from '../../core/uuid';

const KEY = 'tp:v1:session';

/** Sessions: `context.session { id, index, start }`; a new one after 30 minutes idle or a new campaign. */
export function sessionPlugin({ timeoutMinutes = 30 } = {}): Plugin {
  let state: SessionState | undefined;
  let store: SafeStore | undefined;
  let campaign = '';
  return {
    name: 'session',
    async load(s) {
      store = s;
      state = await s.get<SessionState>(KEY);
      campaign = campaignKey(touchFrom(location.href, document.referrer, ''));
    },
    enrich(event) {
      const at = event.timestamp ? Date.parse(event.timestamp) : Date.now();
      const next = nextSession(state, at, campaign, uuid4, timeoutMinutes * 60_000);
      state = next;
      void store?.set(KEY, next);
      event.context = { ...event.context, session: { id: next.id, index: next.index, start: next.start } };
      return event;
    },
  };
}
