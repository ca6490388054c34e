import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import { MAX_BATCH_EVENTS } from '../../sdk/protocol/limits';
import { batchEnvelopeSchema, formatIssues } from '../../sdk/protocol/schemas';
import type { BatchResponse, EventType } from '../../sdk/protocol/types';
import { HttpError } from '../errors';
import type { CollectorEnv } from '../hono-env';
import { compileAcceptor } from '../pipeline/compiled-schema';
import { StorageUnavailableError, type Deliver, type Delivered, type Sender } from '../pipeline/deliver';
import type { RequestFacts } from '../pipeline/enrich';
import type { Ingest, IngestInput, IngestResult } from '../pipeline/ingest';

export interface IngestRoutesOptions {
  ingest: Ingest;
  deliver: Deliver;
  /** Who sent the request: its source and its rate limits. */
  senderOf: (c: Context<CollectorEnv>) => Sender;
  /** What enrichment may take from the request itself (address, user agent, device cookie). */
  requestFacts: (c: Context<CollectorEnv>) => Pick<RequestFacts, 'ip' | 'userAgent' | 'deviceId'>;
  /** Told of every delivery (metrics). */
  onOutcome?: (source: string, result: IngestResult, delivered: Delivered) => void;
}

const envelopeAsIs = compileAcceptor(batchEnvelopeSchema);

/** Segment's single-event routes, under their full names and analytics-next's short ones (`/v1/t` ...). */
const SINGLE_EVENT_ROUTES: [string, EventType][] = [
  ['track', 'track'],
  ['page', 'page'],
  ['screen', 'screen'],
  ['identify', 'identify'],
  ['group', 'group'],
  ['alias', 'alias'],
  ['t', 'track'],
  ['p', 'page'],
  ['s', 'screen'],
  ['i', 'identify'],
  ['g', 'group'],
  ['a', 'alias'],
];

/**
 * `POST /batch` (and `/b`, analytics-next's batching route) and the single-event routes, mounted
 * under `/v1` and RudderStack's `/beacon/v1` behind the ingest middleware.
 */
export function ingestRoutes({ ingest, deliver, senderOf, requestFacts, onOutcome }: IngestRoutesOptions): Hono<CollectorEnv> {
  const routes = new Hono<CollectorEnv>();

  async function accept(c: Context<CollectorEnv>, events: readonly unknown[], extra: Pick<IngestInput, 'sentAt' | 'batchContext' | 'routeType'>) {
    const sender = senderOf(c);
    const result = ingest(events, { ...extra, ...requestFacts(c), source: sender.source, receivedAt: new Date(), bodyBytes: c.get('bodyBytes') });
    let delivered: Delivered;
    try {
      delivered = await deliver(result, sender);
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      throw new HttpError(503, `${error.message}, retry later`, { retryAfter: 5 });
    }
    onOutcome?.(sender.source, result, delivered);
    const { accepted, duplicates, limited, retryAfter } = delivered;
    if (limited > 0) {
      // What was taken stays taken: the client's re-send of the whole batch finds those as duplicates.
      throw new HttpError(429, `rate limit exceeded: ${limited} events not taken, send them again later`, {
        retryAfter,
        extra: { accepted, duplicates, limited, rejected: result.rejected },
      });
    }
    return c.json({ success: true, accepted, duplicates, rejected: result.rejected } satisfies BatchResponse);
  }

  const batch = (c: Context<CollectorEnv>) => {
    const body = c.get('body');
    const envelope = envelopeAsIs(body) ? { success: true as const, data: body as z.infer<typeof batchEnvelopeSchema> } : batchEnvelopeSchema.safeParse(body);
    if (!envelope.success) throw new HttpError(400, `malformed batch: ${formatIssues(envelope.error)}`);
    const { batch: events, sentAt, context } = envelope.data;
    if (events.length > MAX_BATCH_EVENTS) throw new HttpError(413, `batch has ${events.length} events, the limit is ${MAX_BATCH_EVENTS}`);
    return accept(c, events, { sentAt, batchContext: context });
  };
  routes.post('/batch', batch);
  routes.post('/b', batch);

  for (const [path, type] of SINGLE_EVENT_ROUTES) {
    routes.post(`/${path}`, (c) => accept(c, [c.get('body')], { routeType: type }));
  }
  return routes;
}
