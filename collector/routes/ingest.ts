import { Hono, type Context as HonoContext } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { z } from 'zod';
import { MAX_BATCH_EVENTS } from '../../sdk/protocol/limits';
import { batchEnvelopeSchema, formatIssues } from '../../sdk/protocol/schemas';
import type { BatchResponse, EventType } from '../../sdk/protocol/types';
import type { CollectorEnv } from '../hono-env';
import { compileAcceptor } from '../pipeline/compiled-schema';
import type { IngestInput, Ingest } from '../pipeline/ingest';
import { StorageUnavailableError, type createDeliver } from '../pipeline/deliver';

export interface IngestRoutesOptions {
  ingest: Ingest;
  deliver: ReturnType<typeof createDeliver>;
  clientIp: (c: HonoContext) => string | undefined;
}

const envelopeAsIs = compileAcceptor(batchEnvelopeSchema);

const SINGLE_EVENT_TYPES: readonly EventType[] = ['track', 'page', 'screen', 'identify', 'group', 'alias'];

/** `POST /batch` and Segment's single-event routes, mounted under `/v1` behind the middleware. */
export function ingestRoutes({ ingest, deliver, clientIp }: IngestRoutesOptions): Hono<CollectorEnv> {
  const routes = new Hono<CollectorEnv>();

  async function accept(c: HonoContext<CollectorEnv>, events: readonly unknown[], extra: Pick<IngestInput, 'sentAt' | 'batchContext' | 'routeType'>) {
    const source = c.get('source');
    const result = ingest(events, {
      ...extra,
      writeKeyName: source.name,
      receivedAt: new Date(),
      ip: clientIp(c),
      userAgent: c.req.header('user-agent'),
      deviceId: c.get('deviceId'),
      bodyBytes: c.get('bodyBytes'),
    });
    try {
      const { accepted, duplicates } = await deliver(result, source);
      return c.json({ success: true, accepted, duplicates, rejected: result.rejected } satisfies BatchResponse);
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      throw new HTTPException(503, {
        res: Response.json({ success: false, error: `${error.message}, retry later` }, { status: 503, headers: { 'retry-after': '5' } }),
      });
    }
  }

  routes.post('/batch', (c) => {
    const body = c.get('body');
    const envelope = envelopeAsIs(body) ? { success: true as const, data: body as z.infer<typeof batchEnvelopeSchema> } : batchEnvelopeSchema.safeParse(body);
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
