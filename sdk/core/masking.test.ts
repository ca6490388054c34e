import { describe, expect, it } from 'vitest';
import type { TouchpointEvent } from '../protocol/types';
import { maskingPlugin, maskPii } from './masking';

describe('maskPii', () => {
  it.each([
    ['write to li.lei@example.com today', 'write to [masked] today'],
    ['call 13800138000 or 138-0013-8000 or 138 0013 8000', 'call [masked] or [masked] or [masked]'],
    ['+86 138 0013 8000', '[masked]'],
    ['+1 415 555 2671', '[masked]'],
    ['order 20261124000123 of 3 items', 'order 20261124000123 of 3 items'],
    ['sku-13800138000x', 'sku-13800138000x'],
    ['no pii here', 'no pii here'],
    ['手机13800138000', '手机[masked]'],
  ])('%j → %j', (input, output) => {
    expect(maskPii(input)).toBe(output);
  });

  it('reaches nested objects and arrays and leaves the input alone', () => {
    const input = { buyer: { email: 'a@b.cn', phones: ['13912345678'] }, count: 2 };
    expect(maskPii(input)).toEqual({ buyer: { email: '[masked]', phones: ['[masked]'] }, count: 2 });
    expect(input.buyer.email).toBe('a@b.cn');
  });
});

describe('maskingPlugin', () => {
  it('masks properties, traits and the page URL, path, search, referrer and title', () => {
    const event = {
      type: 'page',
      anonymousId: 'a',
      properties: { note: 'from li.lei@example.com' },
      context: {
        page: {
          url: 'https://shop.example/u/li.lei@example.com/signup?email=li.lei%40example.com&ref=x',
          search: '?email=li.lei%40example.com&ref=x',
          referrer: 'https://mail.example/?to=han@example.org',
          title: 'Welcome 13800138000',
          path: '/u/li.lei@example.com/signup',
        },
      },
    } as TouchpointEvent;
    const masked = maskingPlugin().enrich!(event) as any;
    expect(masked.properties.note).toBe('from [masked]');
    expect(masked.context.page.url).not.toContain('li.lei');
    expect(masked.context.page.url).toContain('ref=x');
    expect(masked.context.page.search).not.toContain('li.lei');
    expect(masked.context.page.referrer).toBe('https://mail.example/?to=[masked]');
    expect(masked.context.page.title).toBe('Welcome [masked]');
    expect(masked.context.page.path).toBe('/u/[masked]/signup');
    expect((event as any).properties.note).toBe('from li.lei@example.com');
  });
});
