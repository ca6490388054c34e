import { HTTPException } from 'hono/http-exception';
import type { MiddlewareHandler } from 'hono';
import type { CollectorEnv } from '../../hono-env';

export interface JsonBodyOptions {
  /** Cap on the body after decompression; beyond it the request gets 413. */
  maxBytes: number;
  /** Deeper JSON is refused before parsing: it would overflow the stack of every later JSON.stringify. */
  maxDepth?: number;
}

// text/plain is what navigator.sendBeacon and preflight-free fetches send.
const ACCEPTED_TYPES = new Set(['application/json', 'text/plain', '']);

/**
 * Reads the body (optionally gzip) with a hard cap and parses it as a JSON object. Decompression
 * is pulled chunk by chunk, so a gzip bomb stops at the cap instead of filling memory.
 */
export function jsonBody({ maxBytes, maxDepth = 64 }: JsonBodyOptions): MiddlewareHandler<CollectorEnv> {
  return async (c, next) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!ACCEPTED_TYPES.has(type)) {
      throw new HTTPException(415, { message: `unsupported content-type "${type}": send application/json or text/plain` });
    }
    const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip') {
      throw new HTTPException(415, { message: `unsupported content-encoding "${encoding}": send gzip or none` });
    }
    if (Number(c.req.header('content-length')) > maxBytes) throw tooLarge(maxBytes);

    const raw = c.req.raw.body;
    if (!raw) throw new HTTPException(400, { message: 'empty body: send a JSON object' });
    const stream = encoding === 'gzip' ? raw.pipeThrough(new DecompressionStream('gzip')) : raw;
    const bytes = await readCapped(stream, maxBytes);
    if (nestingDepth(bytes, maxDepth) > maxDepth) {
      throw new HTTPException(400, { message: `malformed body: JSON nested deeper than ${maxDepth} levels` });
    }

    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      throw new HTTPException(400, { message: 'malformed body: not valid UTF-8 JSON' });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HTTPException(400, { message: 'malformed body: expected a JSON object' });
    }
    c.set('body', body as Record<string, unknown>);
    c.set('bodyBytes', bytes.byteLength);
    await next();
  };
}

async function readCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        void reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof HTTPException) throw error;
    throw new HTTPException(400, { message: 'malformed body: the gzip stream is corrupt or the upload was cut' });
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** Bracket depth of JSON text, outside strings; stops counting once past `limit`. */
function nestingDepth(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) {
      inString = true;
    } else if (b === 0x7b || b === 0x5b) {
      if (++depth > limit) return depth;
    } else if (b === 0x7d || b === 0x5d) {
      depth--;
    }
  }
  return depth;
}

function tooLarge(maxBytes: number): HTTPException {
  return new HTTPException(413, { message: `body too large: the limit is ${maxBytes} bytes (after decompression)` });
}
