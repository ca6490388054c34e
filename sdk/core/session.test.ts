import { describe, expect, it } from 'vitest';
import { nextSession, SESSION_TIMEOUT_MS } from './session';

let n = 0;
const id = () => `s${++n}`;
const t0 = Date.parse('2026-11-24T10:00:00.000Z');

describe('nextSession', () => {
  it('starts the first session, then keeps it while the visitor is active', () => {
    const first = nextSession(undefined, t0, '', id);
    expect(first).toMatchObject({ index: 1, start: '2026-11-24T10:00:00.000Z' });
    const later = nextSession(first, t0 + 29 * 60_000, '', id);
    expect(later).toMatchObject({ id: first.id, index: 1, lastActivity: t0 + 29 * 60_000 });
    // 29 minutes after the last activity, not after the start: still the same session.
    expect(nextSession(later, t0 + 58 * 60_000, '', id).id).toBe(first.id);
  });

  it('starts a new session after 30 minutes idle', () => {
    const first = nextSession(undefined, t0, '', id);
    const next = nextSession(first, t0 + SESSION_TIMEOUT_MS + 1, '', id);
    expect(next.id).not.toBe(first.id);
    expect(next.index).toBe(2);
  });

  it('starts a new session when a different campaign brings the visitor back, not for the same one', () => {
    const first = nextSession(undefined, t0, 'weibo', id);
    expect(nextSession(first, t0 + 1000, 'weibo', id).id).toBe(first.id);
    const baidu = nextSession(first, t0 + 2000, 'baidu', id);
    expect(baidu).toMatchObject({ index: 2, campaign: 'baidu' });
    // Navigating inside the site carries no campaign: the session goes on.
    expect(nextSession(baidu, t0 + 3000, '', id).id).toBe(baidu.id);
  });
});
