import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { eventName } from '../../collector/pipeline/feed';
import { TrackingTimeoutError, type Recorder } from './recorder';
import type { FaultSwitches } from './faults';

export interface MicroApiOptions {
  recorder: Recorder;
  faults: FaultSwitches;
  /** Clears the recorded events and the faults. */
  reset: () => void;
}

const MAX_WAIT_MS = 120_000;
const text = z.string().min(1).max(256).optional();

const eventsQuery = z.strictObject({
  status: z.enum(['good', 'bad', 'all']).default('all'),
  event: text,
  type: text,
  anonymousId: text,
  userId: text,
});

const waitQuery = z.strictObject({
  event: text,
  type: text,
  anonymousId: text,
  userId: text,
  count: z.coerce.number().int().min(1).max(10_000).default(1),
  timeout: z.coerce.number().int().min(0).max(MAX_WAIT_MS).default(5000),
});

type Filter = Pick<z.output<typeof eventsQuery>, 'event' | 'type' | 'anonymousId' | 'userId'>;

/** Whether an event (stored, or as a client sent it) has every field the query names. */
function matchesQuery(raw: unknown, { event, type, anonymousId, userId }: Filter): boolean {
  const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  return (
    (event === undefined || eventName(e) === event) &&
    (type === undefined || e.type === type) &&
    (anonymousId === undefined || e.anonymousId === anonymousId) &&
    (userId === undefined || e.userId === userId)
  );
}

function parse<T extends z.ZodType>(c: Context, schema: T): z.output<T> | Response {
  const result = schema.safeParse(c.req.query());
  if (result.success) return result.data;
  const reason = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; ');
  return c.json({ success: false, error: `bad query: ${reason}` }, 400);
}

/**
 * The test collector's HTTP API, for suites in any language (Snowplow Micro's `/micro/*`, with
 * waiting and faults): `GET /debug/events`, `GET /debug/wait`, `POST /debug/reset`,
 * `POST /debug/fail`, `POST /debug/heal`. Answers are JSON.
 */
export function microApi({ recorder, faults, reset }: MicroApiOptions): Hono {
  const routes = new Hono();

  routes.get('/debug/events', (c) => {
    const query = parse(c, eventsQuery);
    if (query instanceof Response) return query;
    const good = query.status === 'bad' ? [] : recorder.events().filter((e) => matchesQuery(e, query));
    const bad = query.status === 'good' ? [] : recorder.bad().filter((r) => matchesQuery(r.event, query));
    return c.json({ good, bad });
  });

  routes.get('/debug/wait', async (c) => {
    const query = parse(c, waitQuery);
    if (query instanceof Response) return query;
    const { count, timeout, ...filter } = query;
    try {
      const events = await recorder.waitFor((e) => matchesQuery(e, filter), { count, timeout });
      return c.json({ events });
    } catch (error) {
      if (!(error instanceof TrackingTimeoutError)) throw error;
      return c.json({ success: false, error: `timed out after ${timeout} ms: ${error.events.length} of ${count} event(s) arrived`, events: error.events }, 408);
    }
  });

  routes.post('/debug/reset', (c) => {
    reset();
    return c.json({ success: true });
  });

  routes.post('/debug/fail', bodyLimit({ maxSize: 16 * 1024 }), async (c) => {
    const body = await c.req.json().catch(() => undefined);
    try {
      faults.fail(body);
    } catch (error) {
      return c.json({ success: false, error: (error as Error).message }, 400);
    }
    return c.json({ success: true });
  });

  routes.post('/debug/heal', (c) => {
    faults.heal();
    return c.json({ success: true });
  });

  return routes;
}
