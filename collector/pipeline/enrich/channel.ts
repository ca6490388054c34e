import { CLICK_ID_KEYS, UTM_KEYS, type ClickIdKey, type Touch } from '../../../sdk/protocol/attribution';
import { memo } from './memo';
import SCENES from './scenes.json' with { type: 'json' };
import type { EnrichStep } from './step';

/**
 * Default channel grouping: GA4's default channel group, rule by rule and in its order
 * (support.google.com/analytics/answer/9756891), from the touch that brought the visitor (UTM
 * parameters, ad click ids, referrer), with the Chinese platforms in its source categories, and
 * mini-program scenes grouped into the same groups (scenes.json). Touchpoint's additions to GA4,
 * each tested: webmail referrers and `edm` count as Email, and `QR Code` (utm_medium qr, or a
 * scanned mini-program code) is a group of its own, where GA4 would leave it Unassigned.
 */
export const CHANNEL_GROUPS = [
  'Direct',
  'Cross-network',
  'Paid Shopping',
  'Paid Search',
  'Paid Social',
  'Paid Video',
  'Display',
  'Paid Other',
  'Organic Shopping',
  'Organic Social',
  'Organic Video',
  'Organic Search',
  'Referral',
  'Email',
  'Affiliates',
  'Audio',
  'SMS',
  'Mobile Push Notifications',
  'QR Code',
  'Unassigned',
] as const;
export type ChannelGroup = (typeof CHANNEL_GROUPS)[number];

export interface Channel {
  group: ChannelGroup;
  source: string;
  medium: string;
  campaign?: string;
}

export type MiniProgramPlatform = 'wechat' | 'alipay' | 'douyin';

/** The wire's touch (`sdk/protocol`), as far as the event carries one, and what grouping needs beside it. */
export interface TouchInput extends Partial<Pick<Touch, 'utm' | 'referrer' | 'landingUrl' | 'referrerAppId'>> {
  clickIds?: Record<string, string>;
  /** The site's own host: a referrer from it is not a channel. */
  pageHost?: string;
  /** Mini-program scene value of the arrival, read with `miniprogramPlatform`'s table. */
  miniprogramScene?: number;
  miniprogramPlatform?: MiniProgramPlatform;
}

/** A custom rule: every condition given must hold; first match wins, before the defaults. */
export interface ChannelRule {
  group: ChannelGroup;
  when: { source?: string[]; medium?: string[]; mediumPattern?: string; clickId?: string[]; referrerHost?: string[] };
}

export interface ChannelOptions {
  rules?: ChannelRule[];
}

type Kind = 'search' | 'social' | 'video' | 'shopping' | 'email';

// host (or parent domain) → [platform name, kind]; `*` stands for any top-level domain.
const HOSTS: [string, string, Kind][] = [
  ['google.*', 'google', 'search'],
  ['bing.com', 'bing', 'search'],
  ['baidu.com', 'baidu', 'search'],
  ['sogou.com', 'sogou', 'search'],
  ['so.com', '360', 'search'],
  ['360.cn', '360', 'search'],
  ['sm.cn', 'shenma', 'search'],
  ['yahoo.*', 'yahoo', 'search'],
  ['yandex.*', 'yandex', 'search'],
  ['duckduckgo.com', 'duckduckgo', 'search'],
  ['naver.com', 'naver', 'search'],
  ['ecosia.org', 'ecosia', 'search'],
  ['mail.qq.com', 'qqmail', 'email'],
  ['exmail.qq.com', 'qqmail', 'email'],
  ['mail.163.com', '163mail', 'email'],
  ['mail.126.com', '126mail', 'email'],
  ['mail.google.com', 'gmail', 'email'],
  ['outlook.live.com', 'outlook', 'email'],
  ['outlook.office.com', 'outlook', 'email'],
  ['mail.yahoo.com', 'yahoomail', 'email'],
  ['weixin.qq.com', 'wechat', 'social'],
  ['wx.qq.com', 'wechat', 'social'],
  ['weibo.com', 'weibo', 'social'],
  ['weibo.cn', 'weibo', 'social'],
  ['xiaohongshu.com', 'xiaohongshu', 'social'],
  ['xhslink.com', 'xiaohongshu', 'social'],
  ['zhihu.com', 'zhihu', 'social'],
  ['douban.com', 'douban', 'social'],
  ['douyin.com', 'douyin', 'social'],
  ['kuaishou.com', 'kuaishou', 'social'],
  ['facebook.com', 'facebook', 'social'],
  ['instagram.com', 'instagram', 'social'],
  ['t.co', 'twitter', 'social'],
  ['twitter.com', 'twitter', 'social'],
  ['x.com', 'twitter', 'social'],
  ['linkedin.com', 'linkedin', 'social'],
  ['lnkd.in', 'linkedin', 'social'],
  ['reddit.com', 'reddit', 'social'],
  ['pinterest.*', 'pinterest', 'social'],
  ['tiktok.com', 'tiktok', 'social'],
  ['youtube.com', 'youtube', 'video'],
  ['youtu.be', 'youtube', 'video'],
  ['bilibili.com', 'bilibili', 'video'],
  ['b23.tv', 'bilibili', 'video'],
  ['ixigua.com', 'xigua', 'video'],
  ['iqiyi.com', 'iqiyi', 'video'],
  ['youku.com', 'youku', 'video'],
  ['v.qq.com', 'tencentvideo', 'video'],
  ['vimeo.com', 'vimeo', 'video'],
  ['taobao.com', 'taobao', 'shopping'],
  ['tmall.com', 'tmall', 'shopping'],
  ['jd.com', 'jd', 'shopping'],
  ['yangkeduo.com', 'pinduoduo', 'shopping'],
  ['pinduoduo.com', 'pinduoduo', 'shopping'],
  ['1688.com', '1688', 'shopping'],
  ['vip.com', 'vipshop', 'shopping'],
  ['amazon.*', 'amazon', 'shopping'],
  ['ebay.*', 'ebay', 'shopping'],
  ['etsy.com', 'etsy', 'shopping'],
  ['walmart.com', 'walmart', 'shopping'],
  ['shopify.com', 'shopify', 'shopping'],
  ['qq.com', 'qq', 'social'],
];
const KIND_BY_SOURCE = new Map(HOSTS.map(([, name, kind]) => [name, kind]));
KIND_BY_SOURCE.set('wechat', 'social').set('weixin', 'social').set('tencent', 'social').set('alipay', 'social');

// Click id → [source, kind of the ad network, paid]. fbclid is on every outbound Facebook link, paid or not.
const CLICK_IDS: Record<ClickIdKey, [string, Kind, boolean]> = {
  gclid: ['google', 'search', true],
  gbraid: ['google', 'search', true],
  wbraid: ['google', 'search', true],
  dclid: ['google', 'search', true],
  msclkid: ['bing', 'search', true],
  bd_vid: ['baidu', 'search', true],
  fbclid: ['facebook', 'social', false],
  ttclid: ['tiktok', 'social', true],
  twclid: ['twitter', 'social', true],
  li_fat_id: ['linkedin', 'social', true],
  gdt_vid: ['tencent', 'social', true],
  qz_gdt: ['tencent', 'social', true],
};

type SceneKind = keyof typeof SCENES.kinds;
const sceneKinds = SCENES.kinds as Record<SceneKind, { group: ChannelGroup; medium: string }>;
const sceneTables = { wechat: SCENES.wechat, alipay: SCENES.alipay, douyin: SCENES.douyin } as unknown as Record<
  MiniProgramPlatform,
  Record<string, [SceneKind, string]>
>;

/** The group a mini-program scene stands for, by the platform's published table (undefined: not in it). */
export function sceneChannel(platform: MiniProgramPlatform, scene: number): { kind: SceneKind; group: ChannelGroup; medium: string } | undefined {
  const row = Object.hasOwn(sceneTables[platform] ?? {}, scene) ? sceneTables[platform][scene] : undefined;
  return row && { kind: row[0], group: sceneKinds[row[0]].group, medium: sceneKinds[row[0]].medium };
}

/** Host patterns of the search engines (`google.*`: any top-level domain), for the analysis SQL. */
export const SEARCH_ENGINE_HOSTS = HOSTS.filter(([, , kind]) => kind === 'search').map(([pattern]) => pattern);
/** Click ids that only an ad click carries (not fbclid, which is on every outbound Facebook link). */
export const PAID_CLICK_IDS = Object.entries(CLICK_IDS)
  .filter(([, [, , paid]]) => paid)
  .map(([id]) => id);

const PAID = /^(.*cp.*|ppc|retargeting|paid.*)$/;
const SHOP_CAMPAIGN = /^(.*(([^a-df-z]|^)shop|shopping).*)$/;
const DISPLAY = /^(display|banner|expandable|interstitial|cpm)$/;
const SOCIAL = /^(social|social-network|social-media|sm|social network|social media)$/;
const EMAIL = /^(email|e-mail|e_mail|e mail)$/;
const PUSH = /(push$|mobile|notification)/;
const QR = /^(qr|qrcode|qr_code|qr-code)$/;
const MEDIUM_BY_KIND: Record<Kind, string> = { search: 'organic', social: 'social', video: 'video', shopping: 'referral', email: 'email' };

/** GA4's default channel group rules, in GA4's order; `kind` is the source's category. */
function defaultGroup(source: string, medium: string, campaign: string, kind: Kind | undefined): ChannelGroup {
  const paid = PAID.test(medium);
  const shop = kind === 'shopping' || SHOP_CAMPAIGN.test(campaign);
  if (source === '(direct)' && (medium === '(none)' || medium === '(not set)')) return 'Direct';
  if (campaign.includes('cross-network')) return 'Cross-network';
  if (paid && shop) return 'Paid Shopping';
  if (paid && kind === 'search') return 'Paid Search';
  if (paid && kind === 'social') return 'Paid Social';
  if (paid && kind === 'video') return 'Paid Video';
  if (DISPLAY.test(medium)) return 'Display';
  if (paid) return 'Paid Other';
  if (shop) return 'Organic Shopping';
  if (kind === 'social' || SOCIAL.test(medium)) return 'Organic Social';
  if (kind === 'video' || medium.includes('video')) return 'Organic Video';
  if (kind === 'search' || medium === 'organic') return 'Organic Search';
  if (/^(referral|app|link)$/.test(medium)) return 'Referral';
  // Touchpoint: webmail referrers and EDM are e-mail too.
  if (EMAIL.test(source) || EMAIL.test(medium) || kind === 'email' || medium === 'edm') return 'Email';
  if (medium === 'affiliate') return 'Affiliates';
  if (medium === 'audio') return 'Audio';
  if (source === 'sms' || medium === 'sms') return 'SMS';
  if (PUSH.test(medium) || source === 'firebase') return 'Mobile Push Notifications';
  // Touchpoint: a scanned code is an arrival of its own (posters, packaging, shops).
  if (QR.test(medium)) return 'QR Code';
  return 'Unassigned';
}

/** Distinct hosts and URLs remembered: a visit's events repeat their URLs. */
const MEMO_SIZE = 10_000;

const platformOf = memo((host: string): [string, Kind] | undefined => {
  for (const [pattern, name, kind] of HOSTS) {
    const base = pattern.endsWith('.*') ? pattern.slice(0, -2) : pattern;
    const labels = host.split('.');
    for (let i = 0; i < labels.length - 1; i++) {
      const tail = labels.slice(i).join('.');
      if (tail === pattern) return [name, kind];
      // google.* matches google.com, google.com.hk, google.co.jp
      if (pattern.endsWith('.*') && labels[i] === base && labels.length - i - 1 <= 2) return [name, kind];
    }
  }
  return undefined;
}, MEMO_SIZE);

const parseHost = memo((url: string) => {
  try {
    return new URL(url).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}, MEMO_SIZE);
const hostOf = (url: string | undefined) => (url ? parseHost(url) : undefined);

/** UTM parameters and click ids in a landing URL (shared by every event that has it: not to be changed). */
const campaignInUrl = memo((url: string): { utm: Record<string, string>; clickIds: Record<string, string> } => {
  const utm: Record<string, string> = {};
  const clickIds: Record<string, string> = {};
  try {
    const params = new URL(url).searchParams;
    for (const key of UTM_KEYS) if (params.get(`utm_${key}`)) utm[key] = params.get(`utm_${key}`)!;
    for (const key of CLICK_ID_KEYS) if (params.get(key)) clickIds[key] = params.get(key)!;
  } catch {
    // not a URL: no campaign from it
  }
  return { utm, clickIds };
}, MEMO_SIZE);

export function createChannelClassifier({ rules = [] }: ChannelOptions = {}): (touch: TouchInput) => Channel {
  const patterns = rules.map((rule) => (rule.when.mediumPattern ? new RegExp(rule.when.mediumPattern, 'i') : undefined));
  return (touch) => {
    const utm = touch.utm ?? {};
    const clickId = Object.keys(touch.clickIds ?? {}).find((k): k is ClickIdKey => Object.hasOwn(CLICK_IDS, k));
    const click = clickId ? CLICK_IDS[clickId] : undefined;
    const referrerHost = hostOf(touch.referrer);
    const external = referrerHost && referrerHost !== touch.pageHost?.toLowerCase() ? referrerHost : undefined;
    const referred = external ? platformOf(external) : undefined;

    const source = (utm.source?.toLowerCase() || click?.[0] || referred?.[0] || external || '(direct)').slice(0, 200);
    const medium = (
      utm.medium?.toLowerCase() || (click?.[2] ? 'cpc' : click ? 'social' : referred ? MEDIUM_BY_KIND[referred[1]] : external ? 'referral' : '(none)')
    ).slice(0, 200);
    const channel = (group: ChannelGroup): Channel => ({ group, source, medium, ...(utm.campaign && { campaign: utm.campaign.slice(0, 200) }) });

    for (const [i, { group, when }] of rules.entries()) {
      if (when.source && !when.source.includes(source)) continue;
      if (when.medium && !when.medium.includes(medium)) continue;
      if (patterns[i] && !patterns[i].test(medium)) continue;
      if (when.clickId && !(clickId && when.clickId.includes(clickId))) continue;
      if (when.referrerHost && !(external && when.referrerHost.includes(external))) continue;
      return channel(group);
    }

    if (!utm.source && !utm.medium && !click && touch.miniprogramScene !== undefined) {
      const platform = touch.miniprogramPlatform ?? 'wechat';
      const scene = sceneChannel(platform, touch.miniprogramScene);
      if (!scene) return { ...channel('Unassigned'), source: platform, medium: `scene-${touch.miniprogramScene}` };
      const from =
        scene.kind === 'return'
          ? '(direct)'
          : (scene.kind === 'miniprogram' || scene.kind === 'app') && touch.referrerAppId
            ? touch.referrerAppId.slice(0, 200)
            : platform;
      return { ...channel(scene.group), source: from, medium: scene.medium };
    }
    const kind = KIND_BY_SOURCE.get(source) ?? platformOf(source)?.[1] ?? click?.[1];
    return channel(defaultGroup(source, medium, (utm.campaign ?? '').toLowerCase(), kind));
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** The touch an event's context describes: Touchpoint's last-touch attribution, Segment's campaign, or the page URL. */
export function touchFromContext(context: Record<string, unknown> | undefined): TouchInput {
  const ctx = isRecord(context) ? context : {};
  const page = isRecord(ctx.page) ? ctx.page : {};
  const attribution = isRecord(ctx.attribution) ? ctx.attribution : {};
  const last = isRecord(attribution.last) ? attribution.last : isRecord(attribution.first) ? attribution.first : {};
  const touch: TouchInput = { referrer: str(last.referrer) ?? str(page.referrer), landingUrl: str(last.landingUrl) ?? str(page.url) };
  touch.pageHost = hostOf(str(page.url));

  let utm: NonNullable<TouchInput['utm']> = {};
  let clickIds: Record<string, string> = {};
  const lastUtm = isRecord(last.utm) ? last.utm : undefined;
  const campaign = isRecord(ctx.campaign) ? ctx.campaign : undefined;
  if (lastUtm) for (const key of UTM_KEYS) if (str(lastUtm[key])) utm[key] = str(lastUtm[key]);
  if (isRecord(last.clickIds)) for (const [k, v] of Object.entries(last.clickIds)) if (str(v)) clickIds[k] = v as string;
  if (!lastUtm && campaign) {
    for (const key of UTM_KEYS) if (str(campaign[key])) utm[key] = str(campaign[key]);
    if (str(campaign.name)) utm.campaign = str(campaign.name);
  }
  if (Object.keys(utm).length === 0 && Object.keys(clickIds).length === 0 && touch.landingUrl) {
    ({ utm, clickIds } = campaignInUrl(touch.landingUrl));
  }
  if (Object.keys(utm).length) touch.utm = utm;
  if (Object.keys(clickIds).length) touch.clickIds = clickIds;
  // Mini-programs: the scene of the last touch (the arrival that set it), else the current entry's.
  const miniprogram = isRecord(ctx.miniprogram) ? ctx.miniprogram : {};
  const scene = typeof last.scene === 'number' ? last.scene : miniprogram.scene;
  if (typeof scene === 'number' && Number.isFinite(scene)) {
    touch.miniprogramScene = scene;
    touch.miniprogramPlatform = miniprogram.platform === 'alipay' || miniprogram.platform === 'douyin' ? miniprogram.platform : 'wechat';
    const from = str(last.referrerAppId) ?? str(miniprogram.referrerAppId);
    if (from) touch.referrerAppId = from;
  }
  return touch;
}

/** The channel step: `context.channel` from the touch the event's context describes. */
export const channelStep = (options?: ChannelOptions): EnrichStep => {
  const classify = createChannelClassifier(options);
  return (event) => {
    event.context.channel = classify(touchFromContext(event.context));
  };
};
