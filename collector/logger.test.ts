import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LOG_REDACTION, LOG_SERIALIZERS } from './logger';

describe('collector logs', () => {
  it('never carry write keys or credentials', () => {
    const lines: string[] = [];
    const out = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = pino({ redact: LOG_REDACTION }, out);
    logger.info(
      {
        writeKey: 'wk_live_secret',
        req: { headers: { authorization: 'Basic d2tfbGl2ZV9zZWNyZXQ6', 'x-write-key': 'wk_live_secret' } },
        body: { writeKey: 'wk_live_secret' },
      },
      'request',
    );
    expect(lines.join('')).not.toContain('wk_live_secret');
    expect(lines.join('')).not.toContain('d2tfbGl2ZV9zZWNyZXQ6');
    expect(JSON.parse(lines[0]!).req.headers.authorization).toBe('[redacted]');
  });
});

describe('collector error logs', () => {
  it('keep what an error says, never the rows a driver attaches to it', () => {
    const lines: string[] = [];
    const out = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = pino({ redact: LOG_REDACTION, serializers: LOG_SERIALIZERS }, out);
    const row = "('shop-web','m1','track','Signed Up','li.lei@example.com')";
    const error = Object.assign(new Error('unsupported Unicode escape sequence'), {
      code: '22P05',
      sql: `INSERT INTO touchpoint_events VALUES ${row}`,
      sqlMessage: `Incorrect string value for ${row}`,
      parameters: ['li.lei@example.com'],
      detail: 'Token li.lei@example.com is invalid',
      where: 'JSON data, line 1: {"email":"li.lei@example.com',
    });
    logger.warn({ sink: 'postgres.events', err: new Error('write failed', { cause: error }) }, 'sink write failed');
    const text = lines.join('');
    expect(text).not.toContain('li.lei@example.com');
    expect(JSON.parse(text).err).toMatchObject({ message: 'write failed', cause: { message: 'unsupported Unicode escape sequence', code: '22P05' } });
  });
});
