import { memo } from './memo';

/**
 * Default channel grouping (GA4's rules, plus the Chinese platforms), from the touch that brought
 * the visitor: UTM parameters, ad click ids, referrer, or the mini-program scene.
 */
export const CHANNEL_GROUPS = [
  'Direct', 'Organic Search', 'Paid Search', 'Organic Social', 'Paid Social', 'Email', 'Referral',
  'Display', 'Affiliates', 'Organic Video', 'Paid Video', 'Paid Other',
  'Mini-program Share', 'Mini-program QR', 'Mini-program Search', 'Mini-program', 'Unassigned',
] as const;
export type ChannelGroup = (typeof CHANNEL_GROUPS)[number];

export interface Channel {
  group: ChannelGroup;
  source: string;
  medium: string;
  campaign?: string;
}

export interface TouchInput {
  utm?: { source?: string; medium?: string; campaign?: string; term?: string; content?: string; id?: string };
  clickIds?: Record<string, string>;
  referrer?: string;
  landingUrl?: string;
  /** The site's own host: a referrer from it is not a channel. */
  pageHost?: string;
  /** WeChat scene value, for events from a mini-program. */
  miniprogramScene?: number;
}

/** A custom rule: every condition given must hold; first match wins, before the defaults. */
export interface ChannelRule {
  group: ChannelGroup;
  when: { source?: string[]; medium?: string[]; mediumPattern?: string; clickId?: string[]; referrerHost?: string[] };
}

export interface ChannelOptions {
  rules?: ChannelRule[];
}

type Kind = 'search' | 'social' | 'video' | 'email';

// host (or parent domain) → [platform name, kind]; `*` stands for any top-level domain.
const HOSTS: [string, string, Kind][] = [
  ['google.*', 'google', 'search'], ['bing.com', 'bing', 'search'], ['baidu.com', 'baidu', 'search'],
  ['sogou.com', 'sogou', 'search'], ['so.com', '360', 'search'], ['360.cn', '360', 'search'], ['sm.cn', 'shenma', 'search'],
  ['yahoo.*', 'yahoo', 'search'], ['yandex.*', 'yandex', 'search'], ['duckduckgo.com', 'duckduckgo', 'search'],
  ['naver.com', 'naver', 'search'], ['ecosia.org', 'ecosia', 'search'],
  ['mail.qq.com', 'qqmail', 'email'], ['exmail.qq.com', 'qqmail', 'email'], ['mail.163.com', '163mail', 'email'],
  ['mail.126.com', '126mail', 'email'], ['mail.google.com', 'gmail', 'email'], ['outlook.live.com', 'outlook', 'email'],
  ['outlook.office.com', 'outlook', 'email'], ['mail.yahoo.com', 'yahoomail', 'email'],
  ['weixin.qq.com', 'wechat', 'social'], ['wx.qq.com', 'wechat', 'social'], ['weibo.com', 'weibo', 'social'],
  ['weibo.cn', 'weibo', 'social'], ['xiaohongshu.com', 'xiaohongshu', 'social'], ['xhslink.com', 'xiaohongshu', 'social'],
  ['zhihu.com', 'zhihu', 'social'], ['douban.com', 'douban', 'social'], ['douyin.com', 'douyin', 'social'],
  ['kuaishou.com', 'kuaishou', 'social'], ['facebook.com', 'facebook', 'social'], ['instagram.com', 'instagram', 'social'],
  ['t.co', 'twitter', 'social'], ['twitter.com', 'twitter', 'social'], ['x.com', 'twitter', 'social'],
  ['linkedin.com', 'linkedin', 'social'], ['lnkd.in', 'linkedin', 'social'], ['reddit.com', 'reddit', 'social'],
  ['pinterest.*', 'pinterest', 'social'], ['tiktok.com', 'tiktok', 'social'],
  ['youtube.com', 'youtube', 'video'], ['youtu.be', 'youtube', 'video'], ['bilibili.com', 'bilibili', 'video'],
  ['b23.tv', 'bilibili', 'video'], ['ixigua.com', 'xigua', 'video'], ['iqiyi.com', 'iqiyi', 'video'],
  ['youku.com', 'youku', 'video'], ['v.qq.com', 'tencentvideo', 'video'], ['vimeo.com', 'vimeo', 'video'],
  ['qq.com', 'qq', 'social'],
];
const KIND_BY_SOURCE = new Map(HOSTS.map(([, name, kind]) => [name, kind]));
KIND_BY_SOURCE.set('wechat', 'social').set('weixin', 'social').set('tencent', 'social');

// Click id → [source, kind of the ad network]. fbclid is on every outbound Facebook link, paid or not.
const CLICK_IDS: Record<string, [string, Kind, boolean]> = {
  gclid: ['google', 'search', true], gbraid: ['google', 'search', true], wbraid: ['google', 'search', true],
  dclid: ['google', 'search', true], msclkid: ['bing', 'search', true], bd_vid: ['baidu', 'search', true],
  fbclid: ['facebook', 'social', false], ttclid: ['tiktok', 'social', true], twclid: ['twitter', 'social', true],
  li_fat_id: ['linkedin', 'social', true], gdt_vid: ['tencent', 'social', true], qz_gdt: ['tencent', 'social', true],
};

/** Host patterns of the search engines (`google.*`: any top-level domain), for the analysis SQL. */
export const SEARCH_ENGINE_HOSTS = HOSTS.filter(([, , kind]) => kind === 'search').map(([pattern]) => pattern);
/** Click ids that only an ad click carries (not fbclid, which is on every outbound Facebook link). */
export const PAID_CLICK_IDS = Object.entries(CLICK_IDS).filter(([, [, , paid]]) => paid).map(([id]) => id);

const SCENES: [ChannelGroup, number[]][] = [
  ['Mini-program Share', [1007, 1008, 1044, 1096]],
  ['Mini-program QR', [1011, 1012, 1013, 1047, 1048, 1049, 1124, 1125, 1126]],
  ['Mini-program Search', [1005, 1006, 1027, 1042, 1053, 1106]],
];

const PAID = /^(.*cp.*|ppc|retargeting|paid.*)$/;
const MEDIUM_GROUPS: [RegExp, ChannelGroup][] = [
  [/^(display|banner|expandable|interstitial|cpm)$/, 'Display'],
  [/^(email|e-mail|e_mail|e mail|edm)$/, 'Email'],
  [/^affiliate$/, 'Affiliates'],
  [/^(social|social-network|social-media|sm|social network|social media)$/, 'Organic Social'],
  [/^organic$/, 'Organic Search'],
  [/^(referral|app|link)$/, 'Referral'],
  [/^video$/, 'Organic Video'],
];
const PAID_BY_KIND: Record<Kind, ChannelGroup> = { search: 'Paid Search', social: 'Paid Social', video: 'Paid Video', email: 'Email' };
const ORGANIC_BY_KIND: Record<Kind, ChannelGroup> = { search: 'Organic Search', social: 'Organic Social', video: 'Organic Video', email: 'Email' };
const MEDIUM_BY_KIND: Record<Kind, string> = { search: 'organic', social: 'social', video: 'video', email: 'email' };

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
    for (const key of CAMPAIGN_KEYS) if (params.get(`utm_${key}`)) utm[key] = params.get(`utm_${key}`)!;
    for (const key of Object.keys(CLICK_IDS)) if (params.get(key)) clickIds[key] = params.get(key)!;
  } catch {
    // not a URL: no campaign from it
  }
  return { utm, clickIds };
}, MEMO_SIZE);

export function createChannelClassifier({ rules = [] }: ChannelOptions = {}): (touch: TouchInput) => Channel {
  const patterns = rules.map((rule) => (rule.when.mediumPattern ? new RegExp(rule.when.mediumPattern, 'i') : undefined));
  return (touch) => {
    const utm = touch.utm ?? {};
    const clickId = Object.keys(touch.clickIds ?? {}).find((k) => Object.hasOwn(CLICK_IDS, k));
    const click = clickId ? CLICK_IDS[clickId] : undefined;
    const referrerHost = hostOf(touch.referrer);
    const external = referrerHost && referrerHost !== touch.pageHost?.toLowerCase() ? referrerHost : undefined;
    const referred = external ? platformOf(external) : undefined;

    const source = (utm.source?.toLowerCase() || click?.[0] || referred?.[0] || external || '(direct)').slice(0, 200);
    const medium = (
      utm.medium?.toLowerCase() ||
      (click?.[2] ? 'cpc' : click ? 'social' : referred ? MEDIUM_BY_KIND[referred[1]] : external ? 'referral' : '(none)')
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

    const kind = KIND_BY_SOURCE.get(source) ?? platformOf(source)?.[1] ?? click?.[1];
    if (utm.source || utm.medium || click) {
      const paid = PAID.test(medium);
      if (paid && kind) return channel(PAID_BY_KIND[kind]);
      const byMedium = MEDIUM_GROUPS.find(([pattern]) => pattern.test(medium));
      if (byMedium) return channel(byMedium[1]);
      if (paid) return channel('Paid Other');
      if (kind) return channel(ORGANIC_BY_KIND[kind]);
      return channel(utm.medium ? 'Unassigned' : 'Referral');
    }
    if (touch.miniprogramScene !== undefined) {
      const scene = SCENES.find(([, values]) => values.includes(touch.miniprogramScene!));
      return { ...channel(scene?.[0] ?? 'Mini-program'), source: 'wechat', medium: `scene-${touch.miniprogramScene}` };
    }
    if (referred) return channel(ORGANIC_BY_KIND[referred[1]]);
    return channel(external ? 'Referral' : 'Direct');
  };
}

const CAMPAIGN_KEYS = ['source', 'medium', 'campaign', 'term', 'content', 'id'] as const;
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
  if (lastUtm) for (const key of CAMPAIGN_KEYS) if (str(lastUtm[key])) utm[key] = str(lastUtm[key]);
  if (isRecord(last.clickIds)) for (const [k, v] of Object.entries(last.clickIds)) if (str(v)) clickIds[k] = v as string;
  if (!lastUtm && campaign) {
    for (const key of CAMPAIGN_KEYS) if (str(campaign[key])) utm[key] = str(campaign[key]);
    if (str(campaign.name)) utm.campaign = str(campaign.name);
  }
  if (Object.keys(utm).length === 0 && Object.keys(clickIds).length === 0 && touch.landingUrl) {
    ({ utm, clickIds } = campaignInUrl(touch.landingUrl));
  }
  if (Object.keys(utm).length) touch.utm = utm;
  if (Object.keys(clickIds).length) touch.clickIds = clickIds;
  const miniprogram = isRecord(ctx.miniprogram) ? ctx.miniprogram : undefined;
  if (typeof miniprogram?.scene === 'number') touch.miniprogramScene = miniprogram.scene;
  return touch;
}
