import { Hono, type Context as HonoContext } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Logger } from 'pino';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from '../../sdk/protocol/limits';
import { batchEnvelopeSchema, formatIssues } from '../../sdk/protocol/schemas';
import type { BatchResponse, EventType } from '../../sdk/protocol/types';
import type { CollectorEnv } from '../hono-env';
import { writeKeyAuth } from '../middleware/auth';
import { jsonBody } from '../middleware/body';
import { ingest, type IngestInput } from '../pipeline/ingest';
import type { Sink } from '../sinks/sink';

export interface IngestRoutesOptions {
  writeKeys: ReadonlySet<string>;
  sinks: { events: Sink; failed: Sink };
  /** Take the client address from `X-Forwarded-For` (behind a trusted load balancer). */
  trustProxy: boolean;
  logger: Logger;
}

const SINGLE_EVENT_TYPES: readonly EventType[] = ['track', 'page', 'screen', 'identify', 'group', 'alias'];

/** `POST /batch` and Segment's single-event routes, mounted under `/v1`. */
export function ingestRoutes({ writeKeys, sinks, trustProxy, logger }: IngestRoutesOptions): Hono<CollectorEnv> {
  const routes = new Hono<CollectorEnv>();
  routes.use('*', jsonBody({ maxBytes: MAX_BATCH_BYTES }), writeKeyAuth({ writeKeys }));

  async function accept(c: HonoContext<CollectorEnv>, events: readonly unknown[], input: Omit<IngestInput, 'writeKey' | 'receivedAt' | 'ip' | 'bodyBytes'>) {
    const { accepted, rejected, failed } = ingest(events, {
      ...input,
      writeKey: c.get('writeKey'),
      receivedAt: new Date(),
      ip: clientIp(c, trustProxy),
      bodyBytes: c.get('bodyBytes'),
    });
    try {
      await Promise.all([accepted.length && sinks.events.write(accepted), failed.length && sinks.failed.write(failed)]);
    } catch (error) {
      logger.error({ err: error }, 'sink write failed; answering 503 so the client keeps the events');
      throw new HTTPException(503, {
        res: Response.json({ success: false, error: 'storage unavailable, retry later' }, { status: 503, headers: { 'retry-after': '5' } }),
      });
    }
    return c.json({ success: true, accepted: accepted.length, rejected } satisfies BatchResponse);
  }

  routes.post('/batch', (c) => {
    const envelope = batchEnvelopeSchema.safeParse(c.get('body'));
    if (!envelope.success) throw new HTTPException(400, { message: `malformed batch: ${formatIssues(envelope.error)}` });
    const { batch, sentAt, context } = envelope.data;
    if (batch.length > MAX_BATCH_EVENTS) {
      throw new HTTPException(413, { message: `batch has ${batch.length} events, the limit is ${MAX_BATCH_EVENTS}` });
    }
    return accept(c, batch, { sentAt, batchContext: context });
  });

  for (const type of SINGLE_EVENT_TYPES) {
    routes.post(`/${type}`, (c) => {
      const { writeKey: _writeKey, ...event } = c.get('body');
      return accept(c, [event], { routeType: type });
    });
  }
  return routes;
}

function clientIp(c: HonoContext, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    return undefined; // no socket, e.g. app.request() in tests
  }
  return address?.startsWith('::ffff:') ? address.slice(7) : address;
}
