/**
 * Realistic journeys with known ground truth, for the analysis tests and the benchmark: persons
 * with one to three devices on the web and in a WeChat mini-program; logins, aliases, e-mails and
 * unionids that link some devices and leave others apart; campaigns from several sources, paid
 * clicks, organic and referral visits, direct returns after a campaign visit; partial funnels,
 * repeated steps, orders days later, repeat orders; a shared store tablet that must not merge its
 * customers, and clients that send "null" as a user id. Events are client events (what an SDK
 * sends); `truth` says what each one is, independently of any analysis code.
 */

export type ClientEvent = Record<string, unknown> & { messageId: string; type: string; timestamp: string };

/** One request: a device's events, sent with the device's clock and cookie. */
export interface Send {
  /** The collector's device cookie (a UUID), if the device has one. */
  deviceCookie?: string;
  /** How far the device's clock is ahead of the truth, ms (its timestamps and sentAt carry it). */
  skewMs: number;
  events: ClientEvent[];
}

export interface TruthEvent {
  messageId: string;
  /** The group of devices the identity graph must join this event into. */
  group: string;
  /** True time, ms. */
  at: number;
  type: string;
  name: string;
  revenue?: number;
  /** For landings: the campaign key the attribution rules give it. */
  touch?: string;
  platform: 'web' | 'wechat';
}

export interface Journeys {
  sends: Send[];
  truth: TruthEvent[];
  /** Identifiers that must be reported as linked to too many others (the store tablet). */
  suspicious: string[];
  /** Distinct groups among all identifiers: what `stitch` must count as persons. */
  groups: number;
}

export interface JourneyOptions {
  persons: number;
  seed?: number;
  /** The journeys end here (ms); they start `days` before. */
  end: number;
  days?: number;
  /** Customers of the shared store tablet (over the over-merge limit of 100 when above it). */
  tabletCustomers?: number;
}

export const SITE = 'https://shop.touchpoint.test';
export const FUNNEL = ['Product Viewed', 'Product Added', 'Order Completed'] as const;

const CAMPAIGNS = [
  { source: 'baidu', medium: 'cpc', campaign: 'spring_sale' },
  { source: 'wechat', medium: 'social', campaign: 'wechat_article' },
  { source: 'newsletter', medium: 'email', campaign: 'newsletter_june' },
  { source: 'douyin', medium: 'paid_social', campaign: 'kol_douyin' },
];
const SEARCH_REFERRERS = [
  'https://www.baidu.com/s?wd=tea',
  'https://www.google.com.hk/',
  'https://cn.bing.com/search?q=teapot',
  'https://m.sogou.com/web?query=tea',
];
const OTHER_REFERRERS = ['https://blog.example.org/best-teapots', 'https://www.zhihu.com/question/42', 'https://forum.example.net/t/1'];
const PRODUCTS = [
  { id: 'sku-tea', price: 68 },
  { id: 'sku-cup', price: 45.5 },
  { id: 'sku-pot', price: 288 },
];

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const hex = (n: number) => Array.from({ length: n }, () => int(16).toString(16)).join('');
  return {
    next,
    int,
    pick: <T>(items: readonly T[]) => items[int(items.length)]!,
    chance: (p: number) => next() < p,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(4)]}${hex(3)}-${hex(12)}`,
  };
}

type Landing =
  | { kind: 'campaign'; campaign: (typeof CAMPAIGNS)[number] }
  | { kind: 'paid'; param: string }
  | { kind: 'organic'; referrer: string }
  | { kind: 'referral'; referrer: string }
  | { kind: 'direct' };

const touchKey = (landing: Landing) => (landing.kind === 'campaign' ? landing.campaign.campaign : landing.kind === 'direct' ? '(direct)' : `(${landing.kind})`);

interface Device {
  platform: 'web' | 'wechat';
  anonymousId: string;
  cookie?: string;
  openid?: string;
  /** Tokens this device reveals, which link it to the person's other devices revealing one. */
  tokens: Set<'user' | 'email' | 'unionid'>;
  skewMs: number;
  group: string;
}

export function generateJourneys({ persons, seed = 1, end, days = 60, tabletCustomers = 0 }: JourneyOptions): Journeys {
  const rng = random(seed);
  const sends: Send[] = [];
  const truth: TruthEvent[] = [];
  const start = end - days * 86_400_000;
  let nextGroup = 0;
  let messages = 0;
  const messageId = () => `m-${seed}-${(messages++).toString(36)}`;

  const tablet = { anonymousId: rng.uuid(), cookie: rng.uuid() };

  for (let p = 0; p < persons; p++) {
    const userId = `u-${seed}-${p}`;
    const email = `person${p}@example.com`;
    const unionid = `union-${seed}-${p}`;
    const devices: Device[] = Array.from({ length: 1 + rng.int(3) }, (_, d) => {
      const platform = d > 0 && rng.chance(0.45) ? 'wechat' : 'web';
      const tokens = new Set<'user' | 'email' | 'unionid'>();
      const r = rng.next();
      if (platform === 'web') {
        if (r < 0.55) tokens.add('user').add('email');
        else if (r < 0.65)
          tokens.add('user'); // an alias links the device
        else if (r < 0.75) tokens.add('email'); // a newsletter sign-up: e-mail, no login
      } else {
        if (r < 0.6) tokens.add('unionid');
        if (rng.chance(0.4)) tokens.add('user');
      }
      return {
        platform,
        tokens,
        group: '',
        anonymousId: rng.uuid(),
        ...(platform === 'web' ? { cookie: rng.uuid() } : { openid: `open-${rng.uuid()}` }),
        skewMs: rng.chance(0.3) ? rng.int(3_600_000) - 1_800_000 : 0,
      };
    });
    // The person's events spread over the period, each in a second of its own and in its first
    // half: any two are at least half a second apart, far more than the collector's skew
    // correction moves a request's times (its latency), so their order survives it.
    const used = new Set<number>();
    const second = (ms: number) => {
      let s = Math.floor(ms / 1000);
      while (used.has(s)) s++;
      used.add(s);
      return s * 1000 + rng.int(500);
    };
    const perDevice = new Map<Device, ClientEvent[]>(devices.map((d) => [d, []]));
    const owners: [TruthEvent, Device][] = [];
    let landingAttribution: Record<string, unknown> | undefined;

    const record = (entry: TruthEvent, device: Device) => {
      truth.push(entry);
      owners.push([entry, device]);
    };
    const emit = (
      device: Device,
      at: number,
      body: Record<string, unknown> & { type: string },
      facts: Omit<TruthEvent, 'messageId' | 'group' | 'at' | 'platform'>,
    ) => {
      const id = messageId();
      const identified =
        device.tokens.has('user') && body.type !== 'identify' && body.type !== 'alias'
          ? perDevice.get(device)!.some((e) => e.type === 'identify' || e.type === 'alias')
          : false;
      const event: ClientEvent = {
        messageId: id,
        anonymousId: device.anonymousId,
        ...(identified && { userId }),
        ...body,
        timestamp: new Date(at + device.skewMs).toISOString(),
      };
      if (rng.chance(0.01) && !event.userId) event.userId = 'null'; // a client bug, common in the wild
      perDevice.get(device)!.push(event);
      record({ messageId: id, group: '', at, platform: device.platform, ...facts }, device);
      return event;
    };

    const visits = 1 + rng.int(4);
    for (let v = 0; v < visits; v++) {
      const device = rng.pick(devices);
      let at = second(start + rng.next() * (end - start - 3 * 86_400_000));
      const landing: Landing = pickLanding(rng, v);
      // A mini-program launch has no referrer URL: without a campaign or an ad click it is direct.
      const touch = device.platform === 'wechat' && (landing.kind === 'organic' || landing.kind === 'referral') ? '(direct)' : touchKey(landing);
      const context = device.platform === 'web' ? webLanding(landing, rng) : miniprogramLanding(landing, rng, device);
      if (device.platform === 'web' && landing.kind !== 'direct')
        landingAttribution = { last: { landingUrl: (context.page as { url: string }).url, at: new Date(at).toISOString() } };
      const withAttribution = (ctx: Record<string, unknown>) =>
        landingAttribution && device.platform === 'web' ? { ...ctx, attribution: landingAttribution } : ctx;
      if (device.platform === 'web') {
        emit(device, at, { type: 'page', name: 'Shop', context: withAttribution(context), properties: {} }, { type: 'page', name: 'Shop', touch });
      } else {
        emit(
          device,
          at,
          {
            type: 'track',
            event: 'Application Opened',
            context,
            properties: {
              from_background: v > 0,
              scene: (context.miniprogram as { scene: number }).scene,
              path: 'pages/index/index',
              query: (context.miniprogram as { query: object }).query,
            },
          },
          { type: 'track', name: 'Application Opened', touch },
        );
      }
      const inner =
        device.platform === 'web'
          ? { page: { url: `${SITE}/products`, path: '/products', referrer: `${SITE}/` } }
          : { miniprogram: { ...(context.miniprogram as object) } };
      const sameVisit = withAttribution(inner);

      // Identity: log in, alias, sign up with an e-mail, or bind the WeChat unionid.
      if (!perDevice.get(device)!.some((e) => e.type === 'identify' || e.type === 'alias')) {
        at = second(at + 5_000 + rng.int(60_000));
        if (device.tokens.has('user') && device.tokens.has('email')) {
          emit(device, at, { type: 'identify', userId, traits: { email, plan: 'free' }, context: sameVisit }, { type: 'identify', name: '' });
        } else if (device.tokens.has('user') && device.platform === 'web') {
          emit(device, at, { type: 'alias', userId, previousId: device.anonymousId, context: sameVisit }, { type: 'alias', name: '' });
        } else if (device.tokens.has('email')) {
          emit(device, at, { type: 'identify', traits: { email: email.toUpperCase() }, context: sameVisit }, { type: 'identify', name: '' });
        } else if (device.tokens.size > 0) {
          emit(
            device,
            at,
            {
              type: 'identify',
              ...(device.tokens.has('user') && { userId }),
              traits: { openid: device.openid, ...(device.tokens.has('unionid') && { unionid }) },
              context: sameVisit,
            },
            { type: 'identify', name: '' },
          );
        }
      }

      // The funnel: views (repeated), maybe an add, maybe an order — sometimes days later.
      const product = rng.pick(PRODUCTS);
      const views = 1 + rng.int(3);
      for (let i = 0; i < views; i++) {
        at = second(at + 10_000 + rng.int(300_000));
        emit(
          device,
          at,
          { type: 'track', event: FUNNEL[0], properties: { product_id: product.id, price: product.price }, context: sameVisit },
          { type: 'track', name: FUNNEL[0] },
        );
      }
      if (!rng.chance(0.6)) continue;
      at = second(at + 5_000 + rng.int(600_000));
      const added = emit(
        device,
        at,
        { type: 'track', event: FUNNEL[1], properties: { product_id: product.id }, context: sameVisit },
        { type: 'track', name: FUNNEL[1] },
      );
      if (rng.chance(0.05)) {
        // Sent in the same request at the same millisecond as the add: not "after" it.
        const id = messageId();
        perDevice.get(device)!.push({ ...added, messageId: id, event: FUNNEL[2], properties: { order_id: id, revenue: product.price } });
        record({ messageId: id, group: '', at, platform: device.platform, type: 'track', name: FUNNEL[2], revenue: product.price }, device);
        continue;
      }
      if (rng.chance(0.3)) {
        emit(
          device,
          second(at + 20_000),
          { type: 'track', event: FUNNEL[1], properties: { product_id: product.id }, context: sameVisit },
          { type: 'track', name: FUNNEL[1] },
        );
      }
      if (!rng.chance(0.65)) continue;
      const orders = rng.chance(0.15) ? 2 : 1;
      for (let o = 0; o < orders; o++) {
        at = second(at + (rng.chance(0.2) ? 86_400_000 * (1 + rng.int(10)) : 30_000 + rng.int(3_600_000)));
        const revenue = Math.round(product.price * (1 + rng.int(3)) * 100 + rng.int(3)) / 100;
        emit(
          device,
          at,
          { type: 'track', event: FUNNEL[2], properties: { order_id: `o-${messages}`, revenue, currency: 'CNY' }, context: sameVisit },
          { type: 'track', name: FUNNEL[2], revenue },
        );
      }
    }
    // Devices that revealed a shared token (each does at its first visit) form one group; the
    // others stay apart. Devices without events reveal nothing.
    const seen = devices.filter((d) => perDevice.get(d)!.length > 0);
    for (const device of seen) {
      const mate = seen.find((other) => other !== device && other.group && [...other.tokens].some((t) => device.tokens.has(t)));
      device.group = mate?.group ?? `g${nextGroup++}`;
    }
    // A later device may bridge two groups formed before it: merge them.
    for (const device of seen) {
      for (const other of seen) {
        if (other.group !== device.group && [...other.tokens].some((t) => device.tokens.has(t))) {
          const from = other.group;
          for (const d of seen) if (d.group === from) d.group = device.group;
        }
      }
    }

    for (const [entry, device] of owners) entry.group = device.group;
    for (const [device, events] of perDevice)
      requests(events, 1 + rng.int(30)).forEach((batch) =>
        sends.push({ ...(device.cookie && { deviceCookie: device.cookie }), skewMs: device.skewMs, events: batch }),
      );
  }

  // The store tablet: one browser, one cookie, many customers logging in one after another.
  const suspicious: string[] = [];
  if (tabletCustomers > 0) {
    const tabletGroup = `g${nextGroup++}`;
    const events: ClientEvent[] = [];
    for (let c = 0; c < tabletCustomers; c++) {
      const at = start + Math.floor((c + 0.5) * ((end - start) / tabletCustomers));
      const group = `g${nextGroup++}`;
      const userId = `tablet-customer-${seed}-${c}`;
      const base = { anonymousId: tablet.anonymousId, context: { page: { url: `${SITE}/store`, path: '/store', referrer: '' } } };
      const landing = { ...base, messageId: messageId(), type: 'page', name: 'Store', timestamp: new Date(at).toISOString(), properties: {} };
      const login = { ...base, messageId: messageId(), type: 'identify', userId, traits: {}, timestamp: new Date(at + 60_000).toISOString() };
      const view = {
        ...base,
        messageId: messageId(),
        type: 'track',
        event: FUNNEL[0],
        userId,
        properties: {},
        timestamp: new Date(at + 120_000).toISOString(),
      };
      events.push(landing, login, view);
      truth.push(
        { messageId: landing.messageId, group: tabletGroup, at, type: 'page', name: 'Store', touch: '(direct)', platform: 'web' },
        { messageId: login.messageId, group, at: at + 60_000, type: 'identify', name: '', platform: 'web' },
        { messageId: view.messageId, group, at: at + 120_000, type: 'track', name: FUNNEL[0], platform: 'web' },
      );
    }
    requests(events, 25).forEach((batch) => sends.push({ deviceCookie: tablet.cookie, skewMs: 0, events: batch }));
    suspicious.push(`device:${tablet.cookie}`, `id:${tablet.anonymousId}`);
  }

  // Requests arrive in any order.
  for (let i = sends.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [sends[i], sends[j]] = [sends[j]!, sends[i]!];
  }
  // Every group with an event, and the tablet's device id, a person of its own (its anonymous id keys the tablet's anonymous events).
  const groups = new Set(truth.map((t) => t.group)).size + (tabletCustomers > 0 ? 1 : 0);
  return { sends, truth, suspicious, groups };
}

function pickLanding(rng: ReturnType<typeof random>, visit: number): Landing {
  const r = rng.next();
  // Later visits are often direct returns after a campaign brought the visitor.
  if (visit > 0 && r < 0.35) return { kind: 'direct' };
  if (r < 0.5) return { kind: 'campaign', campaign: rng.pick(CAMPAIGNS) };
  if (r < 0.6) return { kind: 'paid', param: rng.pick(['gclid', 'bd_vid', 'msclkid']) };
  if (r < 0.75) return { kind: 'organic', referrer: rng.pick(SEARCH_REFERRERS) };
  if (r < 0.85) return { kind: 'referral', referrer: rng.pick(OTHER_REFERRERS) };
  return { kind: 'direct' };
}

function webLanding(landing: Landing, rng: ReturnType<typeof random>): Record<string, unknown> {
  const query =
    landing.kind === 'campaign'
      ? `?utm_source=${landing.campaign.source}&utm_medium=${landing.campaign.medium}&utm_campaign=${landing.campaign.campaign}`
      : landing.kind === 'paid'
        ? `?${landing.param}=${rng.uuid()}`
        : '';
  const referrer = landing.kind === 'organic' || landing.kind === 'referral' ? landing.referrer : '';
  return {
    page: { url: `${SITE}/${query}`, path: '/', referrer, title: 'Touchpoint shop' },
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  };
}

/** A mini-program launch: campaigns come in the launch query; a search or share has no referrer URL. */
function miniprogramLanding(landing: Landing, rng: ReturnType<typeof random>, device: Device): Record<string, unknown> {
  const query: Record<string, string> =
    landing.kind === 'campaign'
      ? { utm_source: landing.campaign.source, utm_campaign: landing.campaign.campaign }
      : landing.kind === 'paid'
        ? { gdt_vid: rng.uuid() }
        : {};
  return {
    miniprogram: {
      platform: 'wechat',
      appId: 'wx0123456789abcdef',
      scene: landing.kind === 'paid' ? 1045 : rng.pick([1001, 1007, 1011, 1053]),
      path: 'pages/index/index',
      query,
      hostVersion: '8.0.50',
      sdkVersion: '3.4.0',
      openid: device.openid,
    },
  };
}

/** Batches of about `size` events; events of one millisecond stay in one request (the collector shifts each request's times alike). */
function requests(events: ClientEvent[], size: number): ClientEvent[][] {
  const batches: ClientEvent[][] = [];
  for (const event of events) {
    const batch = batches.at(-1);
    if (batch && (batch.length < size || batch.at(-1)!.timestamp === event.timestamp)) batch.push(event);
    else batches.push([event]);
  }
  return batches;
}
