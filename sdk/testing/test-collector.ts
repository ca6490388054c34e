import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type HttpBindings, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { z } from 'zod';
import { createCollector, type CollectorOptions } from '../../collector/app';
import { DEMO_WRITE_KEY } from '../../collector/config';
import { debugRoutes } from '../../collector/routes/debug';
import type { trackingPlanSchema } from '../../collector/pipeline/tracking-plan';
import type { EventMatcher, TrackedEvent } from './expectation';
import { createFaultSwitches, type Fault, type FaultOptions } from './faults';
import { microApi } from './micro-api';
import { TRACKING_PATH } from './redirect';
import { createRecorder, type RejectedRecord, type WaitOptions } from './recorder';

export interface TestCollectorOptions extends Omit<CollectorOptions, 'sinks' | 'dataDir' | 'log' | 'trackingPlan' | 'port' | 'host' | 'redis'> {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A tracking plan: a file, as the collector takes it, or the plan itself. */
  trackingPlan?: string | z.input<typeof trackingPlanSchema>;
}

export interface TestCollector {
  /** Base URL: point the SDK's `endpoint` here, or load `/touchpoint.min.js` and the demo shop (`/`) from it. */
  url: string;
  /** The first configured write key, or the demo key `demo`. */
  writeKey: string;
  /** Accepted events in arrival order; with a matcher, those that match (`events('Order Completed', { revenue: 99 })`). */
  events(matcher?: EventMatcher, properties?: Record<string, unknown>): TrackedEvent[];
  /** Every accepted event. */
  good(): TrackedEvent[];
  /** Every rejected event, with its reason. */
  bad(): RejectedRecord[];
  /** Forgets what arrived and ends every fault (the de-dup memory stays: a re-sent message id is still a duplicate). */
  reset(): void;
  /** Resolves with the matching events once `count` (default 1) have arrived; rejects after `timeout` saying what arrived instead. */
  waitFor(matcher: EventMatcher, options?: WaitOptions): Promise<TrackedEvent[]>;
  /** Makes tracking requests fail: `fail({ status: 503, times: 3 })`, `fail({ status: 429, retryAfter: 2 })`, `fail({ stall: 10_000 })`, `fail({ refuse: true })`. */
  fail(fault: FaultOptions): Fault;
  /** Ends every fault; stalled requests go through. */
  heal(): void;
  /** Resolves true once no tracking request has been in flight for `quietMs` (default 100) since the call, or false after `timeout`. */
  idle(options?: { quietMs?: number; timeout?: number }): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * An in-process collector for tests: the real validation, tracking plan, enrichment and de-dup,
 * with what delivery accepts kept in memory (no sink, so the log writes nothing; its folder is a
 * temporary one), the SDK bundles and demo shop served, the live view at `/debug`, the query
 * API of `touchpoint micro`, and fault switches.
 */
export async function startTestCollector(options: TestCollectorOptions = {}): Promise<TestCollector> {
  const { port = 0, host = '127.0.0.1', trackingPlan, logLevel = 'error', ...rest } = options;
  const dataDir = await mkdtemp(join(tmpdir(), 'touchpoint-test-'));
  let planPath: string | undefined;
  if (typeof trackingPlan === 'string') planPath = trackingPlan;
  else if (trackingPlan !== undefined) {
    planPath = join(dataDir, 'tracking-plan.json');
    await writeFile(planPath, JSON.stringify(trackingPlan));
  }

  const collector = await createCollector({
    ...rest,
    logLevel,
    dataDir,
    ...(planPath !== undefined && { trackingPlan: planPath }),
    // What delivery accepts is what the test sees, through the feed: no sink to write.
    sinks: {},
    log: { fsync: false },
  }).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });

  const recorder = createRecorder();
  collector.feed.subscribe((entry) => recorder.add(entry));
  const faults = createFaultSwitches();
  let inflight = 0;
  let lastActivity = Date.now();

  const app = new Hono<{ Bindings: HttpBindings }>();
  app.use('*', async (c, next) => {
    if (!TRACKING_PATH.test(c.req.path)) return next(); // faults and idleness concern tracking requests only
    inflight++;
    lastActivity = Date.now();
    try {
      return await faults.middleware(c, next);
    } finally {
      inflight--;
      lastActivity = Date.now();
    }
  });
  const reset = () => {
    recorder.reset();
    faults.heal();
  };
  app.route('/', microApi({ recorder, faults, reset }));
  app.route('/', debugRoutes({ feed: collector.feed, isAllowed: () => true }));
  app.all('*', (c) => collector.app.fetch(c.req.raw, c.env));

  let server: ServerType | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
      resolve(`http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`);
    });
    server.once('error', reject);
  }).catch(async (error: unknown) => {
    await collector.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });

  const keys = collector.settings.writeKeys;
  let closed: Promise<void> | undefined;
  return {
    url,
    writeKey: keys[0]?.key ?? DEMO_WRITE_KEY,
    events: (matcher, properties) => recorder.events(matcher, properties),
    good: () => recorder.events(),
    bad: () => recorder.bad(),
    reset,
    waitFor: (matcher, waitOptions) => recorder.waitFor(matcher, waitOptions),
    fail: (fault) => faults.fail(fault),
    heal: () => faults.heal(),
    async idle({ quietMs = 100, timeout = 5000 } = {}) {
      const calledAt = Date.now();
      const deadline = calledAt + timeout;
      // Quiet since the call too: a request a page is about to send (a closing page's) is waited for.
      while (inflight > 0 || Date.now() - Math.max(lastActivity, calledAt) < quietMs) {
        if (Date.now() >= deadline) return false;
        await new Promise((r) => setTimeout(r, 20));
      }
      return true;
    },
    close() {
      closed ??= (async () => {
        faults.heal();
        collector.feed.close(); // ends live-view streams before the server waits for them
        await new Promise<void>((resolve) => {
          server!.close(() => resolve());
          if ('closeAllConnections' in server!) server.closeAllConnections();
        });
        await collector.stop();
        await rm(dataDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
