import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';

/** One request as it reached the proxy, with the answer the proxy gave. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body as sent (still compressed when it was). */
  body: Buffer;
  /** The status answered (the client may have gone before it came); undefined while in flight. */
  status?: number;
  /** The headers of that answer. */
  answerHeaders?: IncomingHttpHeaders;
  /** True when the proxy answered itself (an injected failure): the collector never saw it. */
  injected: boolean;
}

/** Which requests an interference applies to; preflights always pass. Default: every POST. */
type Matcher = (request: RecordedRequest) => boolean;

export interface FailOptions {
  count: number;
  status?: number;
  retryAfterSeconds?: number;
  when?: Matcher;
}

export interface DelayOptions {
  count: number;
  /** How long the collector's answer is held back. */
  ms: number;
  when?: Matcher;
}

export interface RecordingProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  host: string;
  requests: RecordedRequest[];
  /** Answers the next matching requests with an error instead of passing them on. */
  failNext(options: FailOptions): void;
  /** Passes the next matching requests on at once but holds the collector's answer back. */
  delayNext(options: DelayOptions): void;
  close(): Promise<void>;
}

/** The body as text: gzip (by header or by its magic bytes, as some clients mislabel it) undone. */
export function bodyText(request: Pick<RecordedRequest, 'body' | 'headers'>): string {
  const { body } = request;
  const gzipped = request.headers['content-encoding'] === 'gzip' || (body[0] === 0x1f && body[1] === 0x8b);
  return (gzipped ? gunzipSync(body) : body).toString('utf8');
}

type Interference = { left: number; when: Matcher } & ({ kind: 'fail'; status: number; retryAfterSeconds: number } | { kind: 'delay'; ms: number });

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A transparent HTTP proxy on loopback in front of the collector: it records every request a
 * client sends (sendBeacon and keepalive requests included, which Playwright's request events do
 * not show), and can fail or hold back some answers, as an overloaded collector or a slow network
 * would, so that clients' retries and re-sends can be watched.
 *
 * An injected error carries the CORS headers the collector itself grants the request's origin
 * (asked with a real preflight), so a cross-origin page can read the status, as it can read the
 * collector's own 503 answers.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const interferences: Interference[] = [];
  const anyPost: Matcher = (r) => r.method === 'POST';

  const forward = (method: string, url: string, headers: IncomingHttpHeaders, body: Buffer) =>
    new Promise<Answer>((resolve, reject) => {
      const out = httpRequest({ host: upstream.hostname, port: upstream.port, method, path: url, headers: { ...headers, host: upstream.host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });

  async function injectedFailure(request: RecordedRequest, status: number, retryAfterSeconds: number): Promise<Answer> {
    const headers: IncomingHttpHeaders = { 'content-type': 'application/json', 'retry-after': String(retryAfterSeconds) };
    const origin = request.headers.origin;
    if (origin) {
      const preflight = await forward('OPTIONS', request.url, { origin, 'access-control-request-method': 'POST' }, Buffer.alloc(0));
      for (const name of ['access-control-allow-origin', 'access-control-allow-credentials']) {
        if (preflight.headers[name] !== undefined) headers[name] = preflight.headers[name];
      }
    }
    return { status, headers, body: Buffer.from(JSON.stringify({ success: false, error: 'injected by the test proxy' })) };
  }

  async function answer(request: RecordedRequest): Promise<Answer> {
    const interference = request.method === 'OPTIONS' ? undefined : interferences.find((i) => i.left > 0 && i.when(request));
    if (interference) interference.left--;
    if (interference?.kind === 'fail') {
      request.injected = true;
      return injectedFailure(request, interference.status, interference.retryAfterSeconds);
    }
    const answer = await forward(request.method, request.url, request.headers, request.body);
    if (interference?.kind === 'delay') await sleep(interference.ms);
    return answer;
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
        injected: false,
      };
      requests.push(recorded);
      const { status, headers, body } = await answer(recorded).catch((error) => ({ status: 502, headers: {}, body: Buffer.from(String(error)) }));
      recorded.status = status;
      recorded.answerHeaders = headers;
      if (res.destroyed) return; // the client left while the answer was held back
      res.writeHead(status, headers);
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    failNext: ({ count, status = 503, retryAfterSeconds = 1, when = anyPost }) =>
      void interferences.push({ kind: 'fail', left: count, status, retryAfterSeconds, when }),
    delayNext: ({ count, ms, when = anyPost }) => void interferences.push({ kind: 'delay', left: count, ms, when }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
