import { describe, expect, it } from 'vitest';
import { attribute, campaignKey, touchFrom } from './attribution';

const at = '2026-11-24T10:00:00.000Z';

describe('touchFrom', () => {
  it('reads UTM parameters, utm_id included, and ad click ids from the landing URL', () => {
    const touch = touchFrom('https://shop.example/p?utm_source=baidu&utm_medium=cpc&utm_campaign=double%2011&utm_id=c9&bd_vid=123&gclid=g#top', '', at);
    expect(touch).toEqual({
      utm: { source: 'baidu', medium: 'cpc', campaign: 'double 11', id: 'c9' },
      clickIds: { gclid: 'g', bd_vid: '123' },
      landingUrl: 'https://shop.example/p?utm_source=baidu&utm_medium=cpc&utm_campaign=double%2011&utm_id=c9&bd_vid=123&gclid=g#top',
      at,
    });
  });

  it.each(['gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid', 'twclid', 'li_fat_id', 'gdt_vid', 'qz_gdt'])('knows the %s click id', (id) => {
    expect(touchFrom(`https://shop.example/?${id}=x`, '', at)?.clickIds).toEqual({ [id]: 'x' });
  });

  it('counts a referrer from another site, not from this one, and not a direct visit', () => {
    expect(touchFrom('https://shop.example/', 'https://www.xiaohongshu.com/explore/1', at)).toEqual({
      referrer: 'https://www.xiaohongshu.com/explore/1',
      landingUrl: 'https://shop.example/',
      at,
    });
    expect(touchFrom('https://shop.example/cart', 'https://shop.example/', at)).toBeUndefined();
    expect(touchFrom('https://shop.example/', '', at)).toBeUndefined();
  });

  it('survives malformed input', () => {
    expect(touchFrom('https://shop.example/?utm_source=%E0%A4%A&utm_medium=ok', 'not a url', at)).toMatchObject({ utm: { medium: 'ok' } });
    expect(touchFrom('', '', at)).toBeUndefined();
  });
});

describe('attribute', () => {
  const weibo = touchFrom('https://shop.example/?utm_source=weibo&utm_medium=social', '', '2026-11-20T08:00:00.000Z')!;
  const baidu = touchFrom('https://shop.example/?bd_vid=1', '', at)!;

  it('keeps the first touch for good and moves the last touch to each new one', () => {
    const once = attribute({}, weibo);
    expect(once).toEqual({ first: weibo, last: weibo });
    expect(attribute(once, baidu)).toEqual({ first: weibo, last: baidu });
  });

  it('leaves attribution alone on a direct visit', () => {
    const state = { first: weibo, last: baidu };
    expect(attribute(state, undefined)).toBe(state);
  });

  it('gives each campaign its own key', () => {
    expect(campaignKey(weibo)).not.toBe(campaignKey(baidu));
    expect(campaignKey(undefined)).toBe('');
  });
});
