import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { RETURN_SCENES } from '../../../sdk/miniprogram/plugins/attribution';
import { CHANNEL_GROUPS, createChannelClassifier, sceneChannel, touchFromContext, type MiniProgramPlatform, type TouchInput } from './channel';
import SCENES from './scenes.json' with { type: 'json' };

const classify = createChannelClassifier();
const url = (query: string) => `https://shop.example/landing?${query}`;
const fromUrl = (query: string, referrer?: string): TouchInput => touchFromContext({ page: { url: url(query), ...(referrer && { referrer }) } });

describe('default channel grouping', () => {
  it.each<[string, TouchInput, string, string, string]>([
    ['no data', {}, 'Direct', '(direct)', '(none)'],
    ['a self-referral', { referrer: 'https://shop.example/cart', pageHost: 'shop.example' }, 'Direct', '(direct)', '(none)'],
    ['Baidu search', { referrer: 'https://www.baidu.com/s?wd=tea' }, 'Organic Search', 'baidu', 'organic'],
    ['Baidu mobile', { referrer: 'https://m.baidu.com/' }, 'Organic Search', 'baidu', 'organic'],
    ['Sogou', { referrer: 'https://m.sogou.com/web' }, 'Organic Search', 'sogou', 'organic'],
    ['360 Search', { referrer: 'https://www.so.com/s?q=x' }, 'Organic Search', '360', 'organic'],
    ['Shenma', { referrer: 'https://m.sm.cn/s?q=x' }, 'Organic Search', 'shenma', 'organic'],
    ['Bing CN', { referrer: 'https://cn.bing.com/search?q=x' }, 'Organic Search', 'bing', 'organic'],
    ['Google Hong Kong', { referrer: 'https://www.google.com.hk/' }, 'Organic Search', 'google', 'organic'],
    ['Weibo', { referrer: 'https://weibo.com/u/1' }, 'Organic Social', 'weibo', 'social'],
    ['Xiaohongshu', { referrer: 'https://www.xiaohongshu.com/explore/1' }, 'Organic Social', 'xiaohongshu', 'social'],
    ['Zhihu', { referrer: 'https://zhuanlan.zhihu.com/p/1' }, 'Organic Social', 'zhihu', 'social'],
    ['Douyin', { referrer: 'https://www.douyin.com/video/1' }, 'Organic Social', 'douyin', 'social'],
    ['Kuaishou', { referrer: 'https://www.kuaishou.com/short-video/1' }, 'Organic Social', 'kuaishou', 'social'],
    ['WeChat article', { referrer: 'https://mp.weixin.qq.com/s/abc' }, 'Organic Social', 'wechat', 'social'],
    ['Bilibili', { referrer: 'https://www.bilibili.com/video/BV1' }, 'Organic Video', 'bilibili', 'video'],
    ['YouTube', { referrer: 'https://www.youtube.com/watch?v=1' }, 'Organic Video', 'youtube', 'video'],
    ['QQ Mail', { referrer: 'https://mail.qq.com/' }, 'Email', 'qqmail', 'email'],
    ['an unknown site', { referrer: 'https://blog.example.org/post' }, 'Referral', 'blog.example.org', 'referral'],
    ['Baidu ads click id', fromUrl('bd_vid=123'), 'Paid Search', 'baidu', 'cpc'],
    ['Google ads click id', fromUrl('gclid=abc'), 'Paid Search', 'google', 'cpc'],
    ['Tencent ads click id', fromUrl('gdt_vid=abc'), 'Paid Social', 'tencent', 'cpc'],
    ['TikTok ads click id', fromUrl('ttclid=abc'), 'Paid Social', 'tiktok', 'cpc'],
    ['fbclid alone', fromUrl('fbclid=abc'), 'Organic Social', 'facebook', 'social'],
    ['utm Baidu cpc', fromUrl('utm_source=baidu&utm_medium=cpc'), 'Paid Search', 'baidu', 'cpc'],
    ['utm WeChat social', fromUrl('utm_source=wechat&utm_medium=social'), 'Organic Social', 'wechat', 'social'],
    ['utm paid social', fromUrl('utm_source=weibo&utm_medium=paid_social'), 'Paid Social', 'weibo', 'paid_social'],
    ['utm e-mail', fromUrl('utm_source=newsletter&utm_medium=email'), 'Email', 'newsletter', 'email'],
    ['utm display', fromUrl('utm_source=dsp&utm_medium=cpm'), 'Display', 'dsp', 'cpm'],
    ['utm affiliate', fromUrl('utm_source=smzdm&utm_medium=affiliate'), 'Affiliates', 'smzdm', 'affiliate'],
    ['utm paid, unknown source', fromUrl('utm_source=partner&utm_medium=ppc'), 'Paid Other', 'partner', 'ppc'],
    ['utm with an unknown medium', fromUrl('utm_source=partner&utm_medium=carrier-pigeon'), 'Unassigned', 'partner', 'carrier-pigeon'],
    ['mini-program chat share', { miniprogramScene: 1007 }, 'Organic Social', 'wechat', 'share'],
    ['mini-program QR code', { miniprogramScene: 1047 }, 'QR Code', 'wechat', 'qr'],
    ['mini-program search', { miniprogramScene: 1053 }, 'Organic Search', 'wechat', 'organic'],
    ['mini-program recently used', { miniprogramScene: 1001 }, 'Direct', '(direct)', '(none)'],
    ['opened by another mini-program', { miniprogramScene: 1037, referrerAppId: 'wxpartner' }, 'Referral', 'wxpartner', 'miniprogram'],
    ['Alipay scan', { miniprogramScene: 1011, miniprogramPlatform: 'alipay' }, 'QR Code', 'alipay', 'qr'],
    ['Douyin video link', { miniprogramScene: 23001, miniprogramPlatform: 'douyin' }, 'Organic Video', 'douyin', 'video'],
    ['an unknown scene', { miniprogramScene: 9999 }, 'Unassigned', 'wechat', 'scene-9999'],
  ])('%s', (_name, touch, group, source, medium) => {
    expect(classify(touch)).toMatchObject({ group, source, medium });
  });

  it('keeps the campaign and lets UTM win over the mini-program scene', () => {
    expect(classify({ utm: { source: 'wechat', medium: 'social', campaign: 'double11' }, miniprogramScene: 1007 })).toEqual({
      group: 'Organic Social',
      source: 'wechat',
      medium: 'social',
      campaign: 'double11',
    });
  });

  it('applies custom rules before the defaults', () => {
    const custom = createChannelClassifier({
      rules: [
        { group: 'Affiliates', when: { referrerHost: ['www.smzdm.com'] } },
        { group: 'Paid Social', when: { source: ['wechat'], mediumPattern: '^kol' } },
      ],
    });
    expect(custom({ referrer: 'https://www.smzdm.com/p/1' }).group).toBe('Affiliates');
    expect(custom({ utm: { source: 'wechat', medium: 'kol-spring' } }).group).toBe('Paid Social');
    expect(custom({ referrer: 'https://www.baidu.com/' }).group).toBe('Organic Search');
  });
});

describe('touchFromContext', () => {
  it('reads Segment campaign', () => {
    expect(touchFromContext({ campaign: { name: 'spring', source: 'Baidu', medium: 'CPC' } }).utm).toEqual({
      source: 'Baidu',
      medium: 'CPC',
      campaign: 'spring',
    });
    expect(classify(touchFromContext({ campaign: { name: 'spring', source: 'Baidu', medium: 'CPC' } }))).toMatchObject({
      group: 'Paid Search',
      source: 'baidu',
      campaign: 'spring',
    });
  });

  it('prefers the last touch of Touchpoint attribution over the first', () => {
    const touch = touchFromContext({
      attribution: {
        first: { utm: { source: 'google', medium: 'cpc' } },
        last: { clickIds: { bd_vid: 'x' }, referrer: 'https://www.baidu.com/' },
      },
      page: { url: 'https://shop.example/order', referrer: 'https://shop.example/cart' },
    });
    expect(touch).toMatchObject({ clickIds: { bd_vid: 'x' }, referrer: 'https://www.baidu.com/', pageHost: 'shop.example' });
    expect(classify(touch).group).toBe('Paid Search');
  });

  it('reads utm and click ids from the page URL when nothing else gives them', () => {
    expect(fromUrl('utm_source=weibo&utm_medium=social&utm_campaign=c1&msclkid=m')).toMatchObject({
      utm: { source: 'weibo', medium: 'social', campaign: 'c1' },
      clickIds: { msclkid: 'm' },
    });
  });

  it.each([
    null,
    undefined,
    5,
    'text',
    [],
    { page: 'x' },
    { page: { url: 'not a url', referrer: 42 } },
    { attribution: { last: [] } },
    { miniprogram: { scene: '1007' } },
  ])('does not throw on %j', (context) => {
    expect(() => classify(touchFromContext(context as never))).not.toThrow();
    expect(classify(touchFromContext(context as never)).group).toBe('Direct');
  });
});

// GA4's default channel group, rule by rule in its order (support.google.com/analytics/answer/9756891):
// each row is a touch that only that rule (or an earlier one) catches.
describe('GA4 default channel group rules', () => {
  const utm = (source?: string, medium?: string, campaign?: string): TouchInput => ({
    utm: { ...(source && { source }), ...(medium && { medium }), ...(campaign && { campaign }) },
  });
  it.each<[string, TouchInput, string]>([
    ['Direct: (direct) / (none)', {}, 'Direct'],
    ['Cross-network: campaign contains cross-network', utm('google', 'cpc', 'pmax-cross-network'), 'Cross-network'],
    ['Paid Shopping: shopping site and paid medium', utm('taobao', 'cpc'), 'Paid Shopping'],
    ['Paid Shopping: shopping campaign and paid medium', utm('partner', 'ppc', 'double11-shopping'), 'Paid Shopping'],
    ['Paid Search: search site and paid medium', utm('baidu', 'cpc'), 'Paid Search'],
    ['Paid Social: social site and paid medium', utm('weibo', 'paid'), 'Paid Social'],
    ['Paid Video: video site and paid medium', utm('bilibili', 'cpv'), 'Paid Video'],
    ['Display: display medium', utm('dsp', 'banner'), 'Display'],
    ['Display: cpm from no named site', utm('dsp', 'cpm'), 'Display'],
    ['Paid Other: paid medium, other source', utm('partner', 'retargeting'), 'Paid Other'],
    ['Organic Shopping: shopping site', utm('jd', 'referral'), 'Organic Shopping'],
    ['Organic Shopping: shopping campaign', utm('partner', 'feed', 'shop-spring'), 'Organic Shopping'],
    ['Organic Social: social site', utm('xiaohongshu', 'post'), 'Organic Social'],
    ['Organic Social: social medium', utm('forum', 'social-network'), 'Organic Social'],
    ['Organic Social before Email (GA4 order)', utm('facebook', 'email'), 'Organic Social'],
    ['Organic Video: video site', utm('youtube', 'referral'), 'Organic Video'],
    ['Organic Video: medium contains video', utm('partner', 'video-embed'), 'Organic Video'],
    ['Organic Search: search site', utm('sogou', 'link'), 'Organic Search'],
    ['Organic Search: organic medium', utm('partner', 'organic'), 'Organic Search'],
    ['Referral: referral, app or link medium', utm('partner', 'app'), 'Referral'],
    ['Referral before Email (GA4 order)', utm('email', 'referral'), 'Referral'],
    ['Email: utm_source email alone', utm('email'), 'Email'],
    ['Email: e-mail medium', utm('newsletter', 'e-mail'), 'Email'],
    ['Affiliates: affiliate medium', utm('smzdm', 'affiliate'), 'Affiliates'],
    ['Audio: audio medium', utm('ximalaya', 'audio'), 'Audio'],
    ['SMS: sms source', utm('sms'), 'SMS'],
    ['SMS: sms medium', utm('aliyun', 'sms'), 'SMS'],
    ['Mobile Push Notifications: medium ends with push', utm('jpush', 'app-push'), 'Mobile Push Notifications'],
    ['Mobile Push Notifications: medium contains notification', utm('app', 'in-notification'), 'Mobile Push Notifications'],
    ['Mobile Push Notifications: firebase source', utm('firebase'), 'Mobile Push Notifications'],
    ['Unassigned: a source alone, no rule matches', utm('partner'), 'Unassigned'],
    ['Unassigned: an unknown medium', utm('partner', 'carrier-pigeon'), 'Unassigned'],
    ['Touchpoint: EDM is Email', utm('sendcloud', 'edm'), 'Email'],
    ['Touchpoint: a webmail referrer is Email', { referrer: 'https://mail.163.com/js6/main.jsp' }, 'Email'],
    ['Touchpoint: a QR medium is QR Code', utm('poster', 'qrcode'), 'QR Code'],
  ])('%s', (_rule, touch, group) => {
    expect(classify(touch).group).toBe(group);
  });
});

describe('mini-program scenes', () => {
  const tables = { wechat: SCENES.wechat, alipay: SCENES.alipay, douyin: SCENES.douyin } as unknown as Record<
    MiniProgramPlatform,
    Record<string, [string, string]>
  >;
  const rows = Object.entries(tables).flatMap(([platform, table]) =>
    Object.entries(table).map(([scene, [kind, about]]) => [platform as MiniProgramPlatform, Number(scene), kind, about] as const),
  );

  it('has every row of the three tables, each with a kind the file defines and a web channel group', () => {
    expect(rows.length).toBe(Object.keys(SCENES.wechat).length + Object.keys(SCENES.alipay).length + Object.keys(SCENES.douyin).length);
    for (const kind of Object.values(SCENES.kinds)) expect(CHANNEL_GROUPS).toContain(kind.group);
    expect(Object.keys(SCENES.sources).sort()).toEqual(['alipay', 'douyin', 'wechat']);
  });

  it.each(rows)('%s %i (%s: %s)', (platform, scene, kind) => {
    const expected = SCENES.kinds[kind as keyof typeof SCENES.kinds];
    expect(expected, `kind ${kind}`).toBeDefined();
    expect(sceneChannel(platform, scene)).toEqual({ kind, group: expected.group, medium: expected.medium });
    const channel = classify({ miniprogramScene: scene, miniprogramPlatform: platform });
    expect(channel.group).toBe(expected.group);
    expect(channel.medium).toBe(expected.medium);
    expect(channel.source).toBe(kind === 'return' ? '(direct)' : platform);
  });

  it('covers every scene value WeChat publishes in its own typings (miniprogram-api-typings SceneValues)', () => {
    const typings = readFileSync(new URL('../../../node_modules/miniprogram-api-typings/types/wx/lib.wx.app.d.ts', import.meta.url), 'utf8');
    const published = /type SceneValues =([^;]+);/.exec(typings)![1]!.match(/\d{4}/g)!.map(Number);
    expect(published.length).toBeGreaterThan(100);
    for (const scene of published) expect(sceneChannel('wechat', scene), `scene ${scene}`).toBeDefined();
  });

  it('agrees with the SDK on which scenes are a return to the app (they leave the last touch alone)', () => {
    for (const platform of ['wechat', 'alipay', 'douyin'] as const) {
      const direct = rows.filter(([p, , kind]) => p === platform && kind === 'return').map(([, scene]) => scene);
      expect([...RETURN_SCENES[platform]].sort()).toEqual(direct.sort());
    }
  });

  it('reads Douyin and Alipay scenes from the event context, and the last touch scene first', () => {
    expect(classify(touchFromContext({ miniprogram: { platform: 'douyin', scene: 22001 } }))).toMatchObject({ group: 'Organic Search', source: 'douyin' });
    expect(classify(touchFromContext({ miniprogram: { platform: 'alipay', scene: 1400 } }))).toMatchObject({ group: 'Paid Other', source: 'alipay' });
    const shared = touchFromContext({
      miniprogram: { platform: 'wechat', scene: 1001 },
      attribution: { last: { scene: 1007, landingUrl: 'pages/item/item?id=1', share: { sharer: 'a1', depth: 1 } } },
    });
    expect(classify(shared)).toMatchObject({ group: 'Organic Social', medium: 'share' });
  });
});
