import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LOG_REDACTION } from './logger';

describe('collector logs', () => {
  it('never carry write keys or credentials', () => {
    const lines: string[] = [];
    const out = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = pino({ redact: LOG_REDACTION }, out);
    logger.info({ writeKey: 'wk_live_secret', req: { headers: { authorization: 'Basic d2tfbGl2ZV9zZWNyZXQ6', 'x-write-key': 'wk_live_secret' } }, body: { writeKey: 'wk_live_secret' } }, 'request');
    expect(lines.join('')).not.toContain('wk_live_secret');
    expect(lines.join('')).not.toContain('d2tfbGl2ZV9zZWNyZXQ6');
    expect(JSON.parse(lines[0]!).req.headers.authorization).toBe('[redacted]');
  });
});
