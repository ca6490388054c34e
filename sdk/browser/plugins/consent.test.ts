import { uuid4 } from '../../core/uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore, type KeyValueStore } from '../../core/store';
import { createTracker } from '../../core/tracker';
import type { Transport } from '../../core/transport';
import { consentPlugin, type ConsentOptions } from './consent';

let store: KeyValueStore;
let sent: any[];
const transport: Transport = async ({ body }) => {
  sent.push(...JSON.parse(body).batch);
  return { status: 200 };
};
const make = (options: ConsentOptions = {}) => {
  const consent = consentPlugin(options);
  const tp = createTracker({ uuid: uuid4, writeKey: 'k', endpoint: '', transport, store, plugins: [consent] });
  return { tp, consent };
};

beforeEach(() => {
  store = createMemoryStore();
  sent = [];
});
afterEach(() => {
  Reflect.deleteProperty(globalThis, 'navigator');
});

describe('consent plugin', () => {
  it('holds events while consent is pending and sends them, as they were, once granted', async () => {
    const { tp, consent } = make();
    tp.track('Before consent');
    await tp.flush();
    expect(sent).toEqual([]);
    consent.grant('analytics');
    tp.track('After consent');
    await tp.flush();
    expect(sent.map((e) => e.event)).toEqual(['Before consent', 'After consent']);
    expect(Date.parse(sent[0].timestamp)).toBeLessThanOrEqual(Date.parse(sent[1].timestamp));
  });

  it('drops pending events when asked to, and remembers decisions across pages', async () => {
    const first = make({ whilePending: 'drop' });
    first.tp.track('Dropped');
    first.consent.grant('analytics');
    first.tp.track('Kept');
    await first.tp.flush();
    expect(sent.map((e) => e.event)).toEqual(['Kept']);
    const second = make();
    second.tp.track('Next page');
    await second.tp.flush();
    expect(sent.map((e) => e.event)).toEqual(['Kept', 'Next page']);
  });

  it('keeps categories apart and honours a denial', async () => {
    const { tp, consent } = make({ categoryOf: (e) => (e.type === 'track' && e.event.startsWith('Ad ') ? 'marketing' : 'analytics') });
    tp.track('Ad Clicked');
    tp.track('Page Scrolled');
    consent.grant('analytics');
    consent.deny('marketing');
    tp.track('Ad Viewed');
    await tp.flush();
    expect(sent.map((e) => e.event)).toEqual(['Page Scrolled']);
  });

  it('sends nothing after opt-out, nor under Do Not Track / Global Privacy Control when respected', async () => {
    const { tp, consent } = make();
    consent.grant('analytics');
    consent.optOut();
    tp.track('Opted out');
    await tp.flush();
    expect(sent).toEqual([]);
    consent.optIn();
    tp.track('Back in');
    await tp.flush();
    expect(sent.map((e) => e.event)).toEqual(['Back in']);

    Object.defineProperty(globalThis, 'navigator', { value: { doNotTrack: '1', globalPrivacyControl: true }, configurable: true });
    const dnt = make({ respectDoNotTrack: true });
    dnt.consent.grant('analytics');
    dnt.tp.track('Under DNT');
    const gpc = make({ respectGlobalPrivacyControl: true });
    gpc.consent.grant('analytics');
    gpc.tp.track('Under GPC');
    const ignoring = make();
    ignoring.consent.grant('analytics');
    ignoring.tp.track('Signals not respected');
    await Promise.all([dnt.tp.flush(), gpc.tp.flush(), ignoring.tp.flush()]);
    expect(sent.map((e) => e.event)).toEqual(['Back in', 'Signals not respected']);
  });

  it('added late with use(), reads the stored decision, gates by it and saves a new one', async () => {
    // An earlier page granted analytics.
    const earlier = make();
    earlier.consent.grant('analytics');
    await earlier.tp.flush();

    const tp = createTracker({ uuid: uuid4, writeKey: 'k', endpoint: '', transport, store });
    tp.track('Before the plugin'); // no consent plugin yet: not gated
    await tp.flush();
    const late = consentPlugin();
    tp.use(late);
    tp.track('Granted on an earlier page'); // waits for the plugin's load, then passes its gate
    await tp.flush();
    late.deny('analytics');
    tp.track('Denied now');
    await tp.flush();
    expect(sent.map((e) => e.event)).toEqual(['Before the plugin', 'Granted on an earlier page']);

    // The denial was saved: the next page's consent plugin, added late too, reads it.
    const next = createTracker({ uuid: uuid4, writeKey: 'k', endpoint: '', transport, store });
    await next.flush();
    next.use(consentPlugin());
    next.track('Next page');
    await next.flush();
    expect(sent.map((e) => e.event)).toEqual(['Before the plugin', 'Granted on an earlier page']);
  });
});
