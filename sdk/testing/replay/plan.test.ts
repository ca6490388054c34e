import { describe, expect, it } from 'vitest';
import type { TrackedEvent } from '../expectation';
import { diffRuns, DEFAULT_IGNORED_EVENTS, DEFAULT_IGNORED_PATHS } from './diff';
import type { StepRun } from './drive';
import { emitSpec } from './emit';
import { planSteps } from './plan';

const ORIGIN = 'https://shop.example';
let t = Date.parse('2025-06-01T10:00:00.000Z');
let seq = 0;
function ev(fields: Record<string, unknown>, { after = 1000, url = `${ORIGIN}/`, viewport = { innerWidth: 1024, innerHeight: 700 } } = {}): TrackedEvent {
  t += after;
  return {
    messageId: `m${++seq}`,
    timestamp: new Date(t).toISOString(),
    originalTimestamp: new Date(t).toISOString(),
    receivedAt: new Date(t).toISOString(),
    context: {
      page: { url, path: new URL(url).pathname, search: new URL(url).search, referrer: 'https://www.baidu.com/' },
      screen: { width: 1920, height: 1080, ...viewport },
      seq,
      session: { id: 's1' },
    },
    properties: {},
    ...fields,
  } as unknown as TrackedEvent;
}
const page = (url = `${ORIGIN}/`, after?: number) => ev({ type: 'page' }, { url, after });
const click = (selector: string, text: string, extra: Record<string, unknown> = {}, after?: number, url?: string) =>
  ev({ type: 'track', event: 'Element Clicked', properties: { selector, tag: 'button', text, ...extra } }, { after, url });
const track = (event: string, properties: Record<string, unknown> = {}, after = 5, url?: string) => ev({ type: 'track', event, properties }, { after, url });

describe('planSteps', () => {
  it('turns page views, clicks and form submits into steps, and gives every other event to the step before it', () => {
    const events = [
      page(),
      track('Web Vital', { name: 'FCP' }),
      click('#buy', 'Buy'),
      track('Product Added', { sku: 'a' }),
      click('a.next', 'Next', { tag: 'a', href: `${ORIGIN}/cart` }),
      track('Page Left', { path: '/' }),
      page(`${ORIGIN}/cart`, 8000), // long after the click, but the click was a link to it
      page(`${ORIGIN}/help`, 9000), // typed in: a step of its own
      ev({ type: 'track', event: 'Form Submitted', properties: { selector: '#search', method: 'get' } }, { url: `${ORIGIN}/help` }),
    ];
    const steps = planSteps(events);
    expect(steps.map((s) => [s.number, s.kind, s.selector ?? new URL(s.url).pathname, s.expected.map((e) => e.event ?? e.type)])).toEqual([
      [1, 'goto', '/', ['page', 'Web Vital']],
      [2, 'click', '#buy', ['Element Clicked', 'Product Added']],
      [3, 'click', 'a.next', ['Element Clicked', 'Page Left', 'page']],
      [4, 'goto', '/help', ['page']],
      [5, 'submit', '#search', ['Form Submitted']],
    ]);
    expect(steps[0]).toMatchObject({ referrer: 'https://www.baidu.com/', viewport: { width: 1024, height: 700 } });
    expect(steps[1]!.referrer).toBeUndefined();
  });

  it('a page view soon after a click is the click’s (a single-page app route); a submit right after a click on its button is the click’s', () => {
    const steps = planSteps([
      page(),
      click('#tab', 'Reviews'),
      page(`${ORIGIN}/reviews`, 300),
      click('#send', 'Send', { form: '#review' }),
      ev({ type: 'track', event: 'Form Submitted', properties: { selector: '#review' } }, { after: 20, url: `${ORIGIN}/reviews` }),
      click('#search>button', 'Go'), // data from before clicks named their form: inside it by its selector
      ev({ type: 'track', event: 'Form Submitted', properties: { selector: '#search' } }, { after: 20, url: `${ORIGIN}/reviews` }),
      click('#like', 'Like'), // a button of no form, and a form sent with the keyboard right after
      ev({ type: 'track', event: 'Form Submitted', properties: { selector: '#review' } }, { after: 20, url: `${ORIGIN}/reviews` }),
    ]);
    expect(steps.map((s) => s.kind)).toEqual(['goto', 'click', 'click', 'click', 'click', 'submit']);
    expect(steps[1]!.expected.map((e) => e.type)).toEqual(['track', 'page']);
    expect(steps[2]!.expected.map((e) => e.event)).toEqual(['Element Clicked', 'Form Submitted']);
    expect(steps[3]!.expected.map((e) => e.event)).toEqual(['Element Clicked', 'Form Submitted']);
  });

  it('a session that starts with a track opens its page first; hostile or missing values do not break it', () => {
    const odd = ev({ type: 'track', event: 'Element Clicked', properties: { selector: 42, text: { x: 1 } } });
    const steps = planSteps([track('App Loaded'), odd, ev({ type: 'page', context: { screen: { innerWidth: 1e9, innerHeight: -1 } } })]);
    expect(steps.map((s) => s.kind)).toEqual(['goto', 'goto']);
    expect(steps[0]!.expected).toHaveLength(2); // the click without a selector is just an event
    expect(steps[1]!.url).toBe('');
    expect(steps[1]).not.toHaveProperty('viewport'); // 1e9 × -1 is no viewport
  });
});

const run = (steps: ReturnType<typeof planSteps>, captured: TrackedEvent[][]): StepRun[] =>
  steps.map((step, i) => ({ step, status: 'done', captured: captured[i] ?? [] }));
const options = { ignoreEvents: DEFAULT_IGNORED_EVENTS, ignorePaths: DEFAULT_IGNORED_PATHS, recordedOrigin: ORIGIN, replayOrigin: 'http://127.0.0.1:9999' };
const replayed = (event: TrackedEvent, properties?: Record<string, unknown>) =>
  ({ ...event, messageId: `r-${event.messageId}`, ...(properties && { properties }) }) as TrackedEvent;

describe('diffRuns', () => {
  const recorded = [
    page(),
    click('#checkout', 'Checkout', { href: `${ORIGIN}/checkout` }),
    track('Checkout Started', { revenue: 181.5, url: `${ORIGIN}/checkout` }),
    click('#order', 'Place order'),
    track('Order Completed', { order_id: 'o-1', revenue: 181.5 }),
    track('Web Vital', { name: 'INP', value: 40 }),
  ];
  const steps = planSteps(recorded);

  it('finds nothing when the replay tracks the same, on another origin, with new order ids and other measurements', () => {
    const mapped = (e: TrackedEvent) => replayed(e, JSON.parse(JSON.stringify(e.properties).replaceAll(ORIGIN, 'http://127.0.0.1:9999')));
    const captured = [
      [replayed(recorded[0]!), replayed(recorded[5]!, { name: 'INP', value: 999 })],
      [mapped(recorded[1]!), mapped(recorded[2]!)],
      [replayed(recorded[3]!), replayed(recorded[4]!, { order_id: 'o-2', revenue: 181.5 })],
    ];
    expect(diffRuns(run(steps, captured), options)).toEqual([]);
  });

  it('names what is missing, extra or changed, with the step that caused it', () => {
    const captured = [
      [replayed(recorded[0]!)],
      [
        replayed(recorded[1]!, { selector: '#checkout', tag: 'button', text: 'Checkout', href: 'http://127.0.0.1:9999/checkout' }),
        replayed(recorded[2]!, { name: 'x' }),
      ].slice(0, 1),
      [replayed(recorded[3]!), replayed(recorded[4]!, { order_id: 'o-3', revenue: 113.5 }), track('Coupon Applied')],
    ];
    const findings = diffRuns(run(steps, captured), options);
    expect(findings.map((f) => [f.kind, f.step, f.kind === 'changed' ? f.changes : (f.event.event ?? f.event.type)])).toEqual([
      ['missing', 2, 'Checkout Started'],
      ['changed', 3, [{ path: 'properties.revenue', recorded: 181.5, replayed: 113.5 }]],
      ['extra', 3, 'Coupon Applied'],
    ]);
  });

  it('an event that lands one step later is not a difference', () => {
    const captured = [
      [replayed(recorded[0]!)],
      [replayed(recorded[1]!, { selector: '#checkout', tag: 'button', text: 'Checkout', href: 'http://127.0.0.1:9999/checkout' })],
      [replayed(recorded[2]!, { revenue: 181.5, url: 'http://127.0.0.1:9999/checkout' }), replayed(recorded[3]!), replayed(recorded[4]!)],
    ];
    expect(diffRuns(run(steps, captured), options)).toEqual([]);
  });
});

describe('emitSpec', () => {
  it('writes the steps as a Playwright test with the fixture; recorded text cannot break out of comments or strings', () => {
    const hostile = 'x */ \n process.exit(1) // `${1}`';
    const steps = planSteps([
      page(),
      click('#buy', hostile),
      track('Order Completed', { order_id: 'o-1', url: `${ORIGIN}/done`, 'odd key': 1 }),
      track('Page Left', { path: '/' }),
    ]);
    const spec = emitSpec(steps, {
      sessionId: 's1',
      baseUrl: 'http://127.0.0.1:8080/',
      recordedOrigin: ORIGIN,
      ignoreEvents: DEFAULT_IGNORED_EVENTS,
      ignorePaths: DEFAULT_IGNORED_PATHS,
      leaveAtEnd: true,
    });
    expect(spec).toContain('import { expect, test } from "touchpoint/testing";');
    expect(spec).toContain('test.use({ baseURL: process.env.REPLAY_BASE_URL ?? "http://127.0.0.1:8080/", viewport: { width: 1024, height: 700 } });');
    expect(spec).toContain('await page.goto("/", { referer: "https://www.baidu.com/" });');
    expect(spec).toContain('await page.locator("#buy").click();');
    expect(spec).toContain('await expect(tracking).toHaveTracked("Order Completed", { order_id: expect.any(String), url: origin + "/done", "odd key": 1 });');
    expect(spec).toMatch(/await page\.close\(\{ runBeforeUnload: true \}\);\n {2}await expect\(tracking\)\.toHaveTracked\("Page Left"/);
    // The hostile text is inside string literals or a one-line comment only.
    for (const line of spec.split('\n').filter((l) => l.includes('process.exit')))
      expect(line).toMatch(/^\s*(\/\/|await expect\(tracking\)\.toHaveTracked\("Element Clicked")/);
    expect(spec).toContain('toHaveTrackedInOrder(["page","Element Clicked","Order Completed","Page Left"])');
  });
});
