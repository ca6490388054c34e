import { describe, expect, it } from 'vitest';
import { createChannelClassifier, touchFromContext, type TouchInput } from './channel';

const classify = createChannelClassifier();
const url = (query: string) => `https://shop.example/landing?${query}`;
const fromUrl = (query: string, referrer?: string): TouchInput =>
  touchFromContext({ page: { url: url(query), ...(referrer && { referrer }) } });

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
    ['mini-program chat share', { miniprogramScene: 1007 }, 'Mini-program Share', 'wechat', 'scene-1007'],
    ['mini-program QR code', { miniprogramScene: 1047 }, 'Mini-program QR', 'wechat', 'scene-1047'],
    ['mini-program search', { miniprogramScene: 1053 }, 'Mini-program Search', 'wechat', 'scene-1053'],
    ['mini-program home', { miniprogramScene: 1001 }, 'Mini-program', 'wechat', 'scene-1001'],
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
    expect(touchFromContext({ campaign: { name: 'spring', source: 'Baidu', medium: 'CPC' } }).utm).toEqual({ source: 'Baidu', medium: 'CPC', campaign: 'spring' });
    expect(classify(touchFromContext({ campaign: { name: 'spring', source: 'Baidu', medium: 'CPC' } }))).toMatchObject({ group: 'Paid Search', source: 'baidu', campaign: 'spring' });
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

  it.each([null, undefined, 5, 'text', [], { page: 'x' }, { page: { url: 'not a url', referrer: 42 } }, { attribution: { last: [] } }, { miniprogram: { scene: '1007' } }])(
    'does not throw on %j',
    (context) => {
      expect(() => classify(touchFromContext(context as never))).not.toThrow();
      expect(classify(touchFromContext(context as never)).group).toBe('Direct');
    },
  );
});
