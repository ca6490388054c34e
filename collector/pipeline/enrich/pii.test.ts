import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPiiHasher } from './pii';

const salt = 'a-salt-of-16-chars!';
const sha = (text: string) => createHash('sha256').update(salt).update(text).digest('hex');
const hash = createPiiHasher({
  salt,
  defaultRegion: 'CN',
  paths: [
    { path: 'traits.phone', kind: 'phone' },
    { path: 'traits.email', kind: 'email' },
    { path: 'properties.buyer.mobile', kind: 'phone' },
    { path: 'userId', kind: 'text' },
  ],
});

describe('createPiiHasher', () => {
  it('hashes the same phone number written four ways to one value', () => {
    const forms = ['13800138000', '+86 138 0013 8000', '138-0013-8000', '+8613800138000'];
    const hashed = forms.map((phone) => {
      const event = { traits: { phone } };
      hash(event);
      return event.traits.phone;
    });
    expect(new Set(hashed)).toEqual(new Set([sha('+8613800138000')]));
  });

  it('lower-cases e-mails, reaches nested paths and numbers, and leaves other fields alone', () => {
    const event = { userId: ' u-1 ', traits: { email: ' Li.Lei@Example.COM ', name: 'Li Lei' }, properties: { buyer: { mobile: 13800138000 } } };
    hash(event);
    expect(event).toEqual({
      userId: sha('u-1'),
      traits: { email: sha('li.lei@example.com'), name: 'Li Lei' },
      properties: { buyer: { mobile: sha('+8613800138000') } },
    });
  });

  it('ignores missing paths, non-scalar values and inherited keys', () => {
    const event = { traits: { phone: { nested: true } }, properties: [] } as Record<string, unknown>;
    hash(event);
    expect(event).toEqual({ traits: { phone: { nested: true } }, properties: [] });
    const proto = JSON.parse('{"traits":{"__proto__":{"email":"x@y.z"}}}');
    hash(proto);
    expect(({} as Record<string, unknown>).email).toBeUndefined();
  });

  it("hashes a user's traits where RudderStack sends them too: context.traits", () => {
    const event = { traits: { email: 'a@b.cn' }, context: { traits: { email: 'A@B.cn', phone: '13800138000' } } };
    hash(event);
    expect(event.context.traits).toEqual({ email: sha('a@b.cn'), phone: sha('+8613800138000') });
    expect(event.traits.email).toBe(sha('a@b.cn'));
  });
});
