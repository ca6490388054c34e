import { describe, expect, it } from 'vitest';
import { createUserAgentParser } from './user-agent';

const parse = createUserAgentParser();

describe('createUserAgentParser', () => {
  it('parses desktop Chrome', () => {
    expect(parse('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36')).toEqual({
      browser: { name: 'Chrome', version: '131.0.0.0' },
      os: { name: 'Windows', version: '10' },
      device: { type: 'desktop' },
      bot: false,
    });
  });

  it('parses WeChat on an iPhone', () => {
    const facts = parse(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN',
    );
    expect(facts).toMatchObject({
      browser: { name: 'WeChat' },
      os: { name: 'iOS', version: '17.5' },
      device: { type: 'mobile', manufacturer: 'Apple', model: 'iPhone' },
      bot: false,
    });
  });

  it('flags crawlers, Chinese ones included', () => {
    for (const ua of [
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)',
      'Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)',
      'Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)',
      'curl/8.5.0',
    ]) {
      expect(parse(ua).bot, ua).toBe(true);
    }
  });

  it('survives junk and returns the cached object for a repeated string', () => {
    expect(parse('')).toEqual({ bot: false });
    expect(parse('\u0000\uffff'.repeat(10_000)).bot).toBeTypeOf('boolean');
    const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
    expect(parse(ua)).toBe(parse(ua));
  });
});
