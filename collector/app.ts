import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { MAX_BATCH_BYTES } from '../sdk/protocol/limits';
import { clientIp } from './client-ip';
import { parseSettings, type CollectorSettings, type CollectorSettingsInput } from './config';
import type { CollectorEnv } from './hono-env';
import { createKeyRing } from './keys';
import { createLogger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { writeKeyAuth } from './middleware/auth';
import { jsonBody } from './middleware/body';
import { ingestCors } from './middleware/cors';
import { deviceId } from './middleware/device-id';
import { loadShed } from './middleware/load-shed';
import { allowedOrigin } from './middleware/origin';
import { rateLimit } from './middleware/rate-limit';
import { packageRoot } from './package-root';
import { createDeliver } from './pipeline/deliver';
import { createEnricher } from './pipeline/enrich';
import { openGeoDatabase } from './pipeline/enrich/geo';
import { createEventFeed, type EventFeed } from './pipeline/feed';
import { createIngest } from './pipeline/ingest';
import { createSequenceTracker } from './pipeline/sequence';
import { loadTrackingPlan } from './pipeline/tracking-plan';
import { debugRoutes } from './routes/debug';
import { ingestRoutes } from './routes/ingest';
import { bearerMatches, opsRoutes } from './routes/ops';
import { pixelRoutes } from './routes/pixel';
import { staticRoutes } from './routes/static';
import { openSinks, type NamedSink } from './sinks';
import type { Sink } from './sinks/sink';
import { openSpool, type Spool } from './spool';
import type { StreamName } from './spool/pump';
import { createMemoryDedup, type DedupStore } from './state/dedup';
import { createMemoryRateLimiter, type RateLimiter } from './state/rate-limiter';
import { connectRedis, createRedisDedup, createRedisRateLimiter } from './state/redis';

export interface CollectorOptions extends Omit<CollectorSettingsInput, 'sinks'> {
  /** Sink settings, or sink objects per stream (embedding, tests), which replace the configured ones. */
  sinks?: CollectorSettingsInput['sinks'] | Partial<Record<StreamName, Sink>>;
  logger?: Logger;
  sdkBundlePath?: string;
  demoPagePath?: string;
}

export interface Collector {
  app: Hono<CollectorEnv>;
  settings: CollectorSettings;
  sinks: NamedSink[];
  spool: Spool;
  metrics: Metrics;
  /** What each request stored, as it is stored: the live view's source, and a test's. */
  feed: EventFeed;
  /** Listens on the configured host and port (0 picks a free one). */
  start(): Promise<{ port: number; host: string; url: string }>;
  /** Stops accepting, lets in-flight requests finish, then closes sinks and shared state. */
  stop(): Promise<void>;
}

export async function createCollector(options: CollectorOptions = {}): Promise<Collector> {
  const { sinks: givenSinks, logger: givenLogger, sdkBundlePath, demoPagePath, ...input } = options;
  const sinkObjects = givenSinks && !Array.isArray(givenSinks) ? givenSinks : undefined;
  const settings = parseSettings({ ...input, ...(Array.isArray(givenSinks) && { sinks: givenSinks }) });
  const logger = givenLogger ?? createLogger(settings.logLevel);
  const metrics = createMetrics();
  const keys = createKeyRing(settings.writeKeys);
  const sinks: NamedSink[] = sinkObjects
    ? Object.entries(sinkObjects).map(([stream, sink]) => ({ name: stream, stream: stream as StreamName, sink: sink! }))
    : await openSinks(settings.sinks, settings.dataDir);
  const spool = await openSpool({
    ...settings.spool,
    dir: settings.spool.dir ?? join(settings.dataDir, 'spool'),
    sinks,
    logger,
    onDelivered: (sink, _count, seconds) => metrics.sinkSeconds.observe({ sink, outcome: 'ok' }, seconds),
    onFailure: (sink) => metrics.sinkFailures.inc({ sink }),
  });
  metrics.watchSpool(spool);

  const redis = settings.redis ? await connectRedis(settings.redis.url) : undefined;
  const dedup: DedupStore = redis ? createRedisDedup(redis, settings.dedup) : createMemoryDedup(settings.dedup);
  const limiter: RateLimiter = redis ? createRedisRateLimiter(redis) : createMemoryRateLimiter();
  const geo = settings.geo ? await openGeoDatabase(settings.geo.database) : undefined;
  const plan = settings.trackingPlan
    ? loadTrackingPlan({
        path: settings.trackingPlan,
        onReload: (error) =>
          error ? logger.error({ err: error }, 'tracking plan not reloaded; the previous one stays') : logger.info('tracking plan reloaded'),
      })
    : undefined;

  const enrich = createEnricher({
    anonymizeIp: settings.ip.anonymize,
    geo,
    pii: settings.pii,
    channels: settings.channels,
  });
  const ingest = createIngest({ enrich, plan: plan?.check, routeBots: settings.bots === 'route' });
  const feed = createEventFeed();
  const deliver = createDeliver({ spool, dedup, sequence: createSequenceTracker(), metrics, logger, feed });
  const ipOf = (c: Parameters<typeof clientIp>[0]) => clientIp(c, settings.trustProxy);

  const app = new Hono<CollectorEnv>();
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      return error.res ?? c.json({ success: false, error: error.message }, error.status);
    }
    logger.error({ err: error, path: c.req.path }, 'unhandled error');
    return c.json({ success: false, error: 'internal error' }, 500);
  });
  app.notFound((c) => c.json({ success: false, error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.use('*', async (c, next) => {
    await next();
    metrics.requests.inc({ route: c.req.routePath, status: c.res.status });
  });

  app.route(
    '/',
    opsRoutes({
      metrics,
      ready: async () => {
        const checks: Record<string, string> = {};
        const states = new Map(spool.sinks().map((s) => [s.name, s.state]));
        for (const { name, sink } of sinks) {
          const state = states.get(name);
          checks[`sink:${name}`] = state === 'open' ? 'circuit open' : (await (sink.ready?.() ?? true)) ? 'ok' : 'failing';
        }
        checks.spool = spool.bytes() < settings.spool.maxBytes ? 'ok' : 'full';
        if (redis) checks.redis = await redis.ping().then(() => 'ok', () => 'failing');
        return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
      },
    }),
  );
  // The live view exists only behind the admin token: it shows every event as it arrives.
  if (settings.admin.token) app.route('/', debugRoutes({ feed, isAllowed: bearerMatches(settings.admin.token) }));
  const root = sdkBundlePath && demoPagePath ? '' : packageRoot();
  app.route(
    '/',
    staticRoutes({
      sdkBundlePath: sdkBundlePath ?? join(root, 'dist', 'touchpoint.min.js'),
      demoPagePath: demoPagePath ?? join(root, 'examples', 'shop', 'index.html'),
    }),
  );

  app.use('/v1/*', ingestCors({ acceptsOrigin: (origin) => keys.acceptsOrigin(origin), credentials: settings.deviceCookie !== undefined }));
  app.route('/v1/pixel', pixelRoutes({ keys, ingest, deliver, clientIp: ipOf, logger, onUnauthorised: () => metrics.pixelUnauthorised.inc() }));
  app.use(
    '/v1/*',
    loadShed({ maxInflight: settings.limits.maxInflightRequests, onShed: () => metrics.shed.inc(), onChange: (n) => metrics.inflight.set(n) }),
    jsonBody({ maxBytes: MAX_BATCH_BYTES }),
    writeKeyAuth({ keys }),
    allowedOrigin(),
    rateLimit({ limiter, clientIp: ipOf, onLimited: (source, scope) => metrics.rateLimited.inc({ source, scope }) }),
  );
  if (settings.deviceCookie) app.use('/v1/*', deviceId(settings.deviceCookie));
  app.route('/v1', ingestRoutes({ ingest, deliver, clientIp: ipOf }));

  let server: ServerType | undefined;
  return {
    app,
    settings,
    sinks,
    spool,
    metrics,
    feed,
    start() {
      return new Promise((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port: settings.port, hostname: settings.host }, (info: AddressInfo) => {
          const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
          const url = `http://${host}:${info.port}`;
          logger.info({ url }, 'collector listening');
          if (keys.usesDemoKey) logger.warn('no write keys configured (TOUCHPOINT_WRITE_KEYS): accepting the demo key "demo"');
          resolve({ port: info.port, host: info.address, url });
        });
        s.once('error', reject);
        server = s;
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      feed.close(); // ends the live view's streams, which would keep the server open
      if (s) {
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          if ('closeIdleConnections' in s) s.closeIdleConnections();
        });
      }
      plan?.close();
      await spool.close();
      await Promise.all(sinks.map(({ sink }) => sink.close()));
      await redis?.quit().catch(() => {});
      logger.info('collector stopped');
    },
  };
}
