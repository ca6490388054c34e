import type { HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';

/**
 * What the test collector does to tracking requests instead of answering them normally: one of
 * `status` (an HTTP error, with `Retry-After` if given), `stall` (hold the request this many ms,
 * or until healed, then answer it normally), or `refuse` (close the connection without an answer:
 * to the client, the same network error as a refused connection). `times` bounds how many
 * requests it affects; without it, every request until `heal()`.
 */
export const faultSchema = z
  .strictObject({
    status: z.number().int().min(400).max(599).optional(),
    retryAfter: z.number().int().min(0).max(86_400).optional(),
    stall: z.union([z.literal(true), z.number().int().min(1).max(600_000)]).optional(),
    refuse: z.literal(true).optional(),
    times: z.number().int().min(1).max(1_000_000).optional(),
  })
  .refine((f) => [f.status, f.stall, f.refuse].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of status, stall or refuse',
  })
  .refine((f) => f.retryAfter === undefined || f.status !== undefined, { message: 'retryAfter goes with a status', path: ['retryAfter'] });

export type FaultOptions = z.input<typeof faultSchema>;

/** A fault in effect: how many requests it has hit, and a way to end it early. */
export interface Fault {
  readonly hits: number;
  /** True once it has hit `times` requests or was healed. */
  readonly done: boolean;
  heal(): void;
}

export interface FaultSwitches {
  /** Queues a fault: faults apply one after the other, each for its `times`. */
  fail(options: FaultOptions): Fault;
  /** Ends every fault and lets stalled requests through. */
  heal(): void;
  /** Hono middleware for the tracking routes. */
  middleware: MiddlewareHandler<{ Bindings: HttpBindings }>;
}

interface ActiveFault extends Fault {
  options: z.output<typeof faultSchema>;
  hits: number;
  done: boolean;
  /** Its stalled requests; healing releases them. */
  stalled: Set<() => void>;
}

export function createFaultSwitches(): FaultSwitches {
  let faults: ActiveFault[] = [];
  // Every stalled request, whichever fault held it (a fault may be done while its requests wait).
  const stalled = new Set<() => void>();

  const current = () => {
    faults = faults.filter((f) => !f.done);
    return faults[0];
  };

  return {
    fail(input) {
      const parsed = faultSchema.safeParse(input);
      if (!parsed.success)
        throw new TypeError(`fail(): ${parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; ')}`);
      const fault: ActiveFault = {
        options: parsed.data,
        hits: 0,
        done: false,
        stalled: new Set(),
        heal() {
          fault.done = true;
          for (const release of [...fault.stalled]) release();
        },
      };
      faults.push(fault);
      return fault;
    },
    heal() {
      for (const fault of faults) fault.done = true;
      faults = [];
      for (const release of [...stalled]) release();
    },
    async middleware(c, next) {
      // Preflights pass: a page must see the injected answer itself, not a CORS failure.
      const fault = c.req.method === 'OPTIONS' ? undefined : current();
      if (!fault) return next();
      fault.hits++;
      if (fault.options.times !== undefined && fault.hits >= fault.options.times) fault.done = true;
      const { status, retryAfter, stall, refuse } = fault.options;
      if (refuse) {
        c.env.incoming.socket.destroy();
        return new Response(null, { status: 499 }); // never sent: the socket is gone
      }
      if (status !== undefined) {
        const headers: Record<string, string> = {};
        if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
        const origin = c.req.header('origin');
        if (origin) Object.assign(headers, { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'Retry-After' });
        return c.json({ success: false, error: `fault injected by the test: ${status}` }, status as 500, headers);
      }
      await new Promise<void>((resolve) => {
        const release = () => {
          fault.stalled.delete(release);
          stalled.delete(release);
          clearTimeout(timer);
          resolve();
        };
        const timer = stall === true ? undefined : setTimeout(release, stall);
        fault.stalled.add(release);
        stalled.add(release);
      });
      return next();
    },
  };
}
