import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpSink } from './http';
import { eventsBatch, sampleEvents } from './sample-events';

let status = 200;
let delayMs = 0;
const received: { headers: IncomingMessage['headers']; body: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    setTimeout(() => res.writeHead(status).end('ok'), delayMs);
  });
});
let url: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('HTTP sink', () => {
  it('posts batches as JSON with the configured auth header', async () => {
    const sink = createHttpSink({ url, headers: { authorization: 'Bearer t0ken' }, format: 'json', timeoutMs: 2000 });
    await sink.write(eventsBatch(sampleEvents('h', 2)));
    const last = received.at(-1)!;
    expect(last.headers.authorization).toBe('Bearer t0ken');
    expect(last.headers['content-type']).toBe('application/json');
    expect(JSON.parse(last.body).map((e: { messageId: string }) => e.messageId)).toEqual(['h-0', 'h-1']);
  });

  it('posts NDJSON', async () => {
    const sink = createHttpSink({ url, headers: {}, format: 'ndjson', timeoutMs: 2000 });
    await sink.write(eventsBatch(sampleEvents('n', 2)));
    expect(
      received
        .at(-1)!
        .body.trim()
        .split('\n')
        .map((l) => JSON.parse(l).messageId),
    ).toEqual(['n-0', 'n-1']);
  });

  it('fails on a non-2xx answer and on a timeout, for the pump to retry', async () => {
    const sink = createHttpSink({ url, headers: {}, format: 'json', timeoutMs: 200 });
    status = 500;
    await expect(sink.write(eventsBatch(sampleEvents('e', 1)))).rejects.toThrow(/answered 500/);
    status = 200;
    delayMs = 1000;
    await expect(sink.write(eventsBatch(sampleEvents('t', 1)))).rejects.toThrow();
    delayMs = 0;
  });
});
