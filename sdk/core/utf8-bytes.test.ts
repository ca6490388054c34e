import { describe, expect, it } from 'vitest';
import { utf8Bytes } from './utf8-bytes';

describe('utf8Bytes', () => {
  it.each(['', 'ascii', 'é', '订单完成', '🛒 cart', 'mixed 中文 and emoji 🎉🎉'])('counts %j like TextEncoder', (text) => {
    expect(utf8Bytes(text)).toBe(new TextEncoder().encode(text).length);
  });
});
