import { describe, expect, it } from 'vitest';
import { createChannelClassifier } from '../pipeline/enrich/channel';
import { SEARCH_HOST_PATTERN } from './touch';

// The SQL's search-engine pattern is built from the collector's list: it must answer as the
// collector's own classifier does.
describe('SEARCH_HOST_PATTERN', () => {
  const classify = createChannelClassifier();
  const pattern = new RegExp(SEARCH_HOST_PATTERN);
  const hosts = [
    'www.google.com',
    'google.com.hk',
    'www.google.co.jp',
    'google.de',
    'cn.bing.com',
    'www.bing.com',
    'm.baidu.com',
    'www.baidu.com',
    'www.sogou.com',
    'm.sogou.com',
    'www.so.com',
    'm.sm.cn',
    'search.yahoo.co.jp',
    'yandex.ru',
    'duckduckgo.com',
    'search.naver.com',
    'www.ecosia.org',
    'weibo.com',
    'mail.qq.com',
    'www.zhihu.com',
    'blog.example.org',
    'notgoogle.com',
    'google.evil.example.com',
    'baidu.com.example.net',
    'sm.cn.example.org',
  ];
  it.each(hosts)('%s', (host) => {
    const isSearch = classify({ referrer: `https://${host}/`, pageHost: 'shop.example' }).group === 'Organic Search';
    expect(pattern.test(host)).toBe(isSearch);
  });
});
