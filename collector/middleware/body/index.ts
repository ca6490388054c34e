import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from '../../errors';
import type { CollectorEnv } from '../../hono-env';
import { nestsDeeperThan } from './json-depth';

export interface JsonBodyOptions {
  /** Cap on the body after decompression; beyond it the request gets 413. */
  maxBytes: number;
  /** Deeper JSON is refused before it is parsed (it would also overflow every later JSON.stringify). */
  maxDepth?: number;
  /** The whole body must have arrived within this, or 408: a slow upload holds nothing for long. */
  timeoutMs?: number;
  /**
   * Admits an upload before its body is read, and returns what to call once it is read; undefined
   * refuses it (429). See `createUploadGate`: bounds the uploads one client can hold open.
   */
  admit?: (c: Context<CollectorEnv>) => (() => void) | undefined;
}

// text/plain is what navigator.sendBeacon and preflight-free fetches send;
// application/x-www-form-urlencoded is what @rudderstack/rudder-sdk-node labels its gzip JSON with.
const ACCEPTED_TYPES = new Set(['application/json', 'text/plain', 'application/x-www-form-urlencoded', '']);

/**
 * Reads the body (optionally gzip) with a hard cap and a deadline, checks its nesting on the bytes,
 * then parses it as a JSON object. Decompression is pulled chunk by chunk, so a gzip bomb stops at
 * the cap instead of filling memory.
 */
export function jsonBody({ maxBytes, maxDepth = 64, timeoutMs = 15_000, admit }: JsonBodyOptions): MiddlewareHandler<CollectorEnv> {
  return async (c, next) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!ACCEPTED_TYPES.has(type)) {
      throw new HttpError(415, `unsupported content-type "${type}": send application/json or text/plain`);
    }
    const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip') {
      throw new HttpError(415, `unsupported content-encoding "${encoding}": send gzip or none`);
    }
    if (Number(c.req.header('content-length')) > (encoding === 'gzip' ? Infinity : maxBytes)) throw closing(c, tooLarge(maxBytes));

    const release = admit ? admit(c) : () => {};
    if (!release) throw closing(c, new HttpError(429, 'too many uploads in progress from this client', { retryAfter: 1 }));
    let bytes: Uint8Array;
    try {
      // Under @hono/node-server, read Node's request stream itself: building a web ReadableStream
      // for the body costs more than the rest of the parsing.
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      let source: Readable;
      if (incoming) source = incoming;
      else if (c.req.raw.body) source = Readable.fromWeb(c.req.raw.body as WebReadableStream);
      else throw new HttpError(400, 'empty body: send a JSON object');
      bytes = await readCapped(encoding === 'gzip' ? gunzipped(source) : source, maxBytes, timeoutMs);
    } catch (error) {
      // A refused upload may still be arriving: answer and close, rather than read the rest.
      throw error instanceof HttpError && error.status !== 400 ? closing(c, error) : error;
    } finally {
      release();
    }
    if (bytes.byteLength === 0) throw new HttpError(400, 'empty body: send a JSON object');
    if (nestsDeeperThan(bytes, maxDepth)) throw new HttpError(400, `malformed body: JSON nested deeper than ${maxDepth} levels`);
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      throw new HttpError(400, 'malformed body: not valid UTF-8 JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpError(400, 'malformed body: expected a JSON object');
    }
    c.set('body', body as Record<string, unknown>);
    c.set('bodyBytes', bytes.byteLength);
    await next();
  };
}

/** Marks the answer to end the connection: what is left of the upload is not read. */
function closing(c: Context, error: HttpError): HttpError {
  c.header('connection', 'close');
  return error;
}

/** The body inflated. `pipe` leaves the inflater waiting when the upload is cut: it is failed then. */
function gunzipped(source: Readable): Readable {
  const gunzip = createGunzip();
  source.once('error', (error) => gunzip.destroy(error));
  source.once('close', () => {
    if (!source.readableEnded) gunzip.destroy(new Error('upload cut'));
  });
  return source.pipe(gunzip);
}

/** Reads a stream with events (an async iterator costs a promise per chunk), up to a cap and a deadline. */
function readCapped(stream: Readable, maxBytes: number, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const fail = (error: HttpError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(error);
    };
    const timer = setTimeout(() => fail(new HttpError(408, `the body did not arrive within ${timeoutMs} ms`)), timeoutMs);
    stream.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total <= maxBytes) return void chunks.push(chunk);
      // Over the cap: a gzip bomb inflates no further.
      stream.pause();
      fail(tooLarge(maxBytes));
    });
    stream.once('end', () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    });
    // An error, or a close before the end: a corrupt gzip stream or an upload cut short. (The
    // close that follows every end must not build an error: that costs as much as the parse.)
    const cut = () => {
      if (!done) fail(new HttpError(400, 'malformed body: the gzip stream is corrupt or the upload was cut'));
    };
    stream.once('error', cut);
    stream.once('close', cut);
  });
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `body too large: the limit is ${maxBytes} bytes (after decompression)`);
}
