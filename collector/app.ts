import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { MAX_BATCH_BYTES } from '../sdk/protocol/limits';
import { clientBucket, clientIp } from './client-ip';
import { parseSettings, type CollectorSettings, type CollectorSettingsInput } from './config';
import { errorResponse, handleError } from './errors';
import type { CollectorEnv } from './hono-env';
import { createKeyRing } from './keys';
import { createLogger, sampledLog } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { writeKeyFromBody, writeKeyFromHeaders } from './middleware/auth';
import { jsonBody } from './middleware/body';
import { createUploadGate } from './middleware/body/upload-gate';
import { ingestCors } from './middleware/cors';
import { deviceId } from './middleware/device-id';
import { loadShed } from './middleware/load-shed';
import { allowedOrigin } from './middleware/origin';
import { packageRoot } from './package-root';
import { createDeliver, type Delivered, type Sender } from './pipeline/deliver';
import { createEnricher } from './pipeline/enrich';
import { openGeoDatabase, type GeoLookup } from './pipeline/enrich/geo';
import { createEventFeed, type EventFeed } from './pipeline/feed';
import { createIngest, type IngestResult } from './pipeline/ingest';
import { createScrubber } from './pipeline/scrub';
import { createSequenceTracker, orderBySequence } from './pipeline/sequence';
import { loadTrackingPlan } from './pipeline/tracking-plan';
import { suppressionFile, watchSuppression, type Suppression } from './pipeline/suppression';
import { emailPaths } from './pipeline/enrich/pii';
import { debugRoutes } from './routes/debug';
import { ingestRoutes } from './routes/ingest';
import { bearerMatches, opsRoutes, type Readiness } from './routes/ops';
import { pixelRoutes } from './routes/pixel';
import { staticRoutes } from './routes/static';
import { everyStream, openLog, type Log, type StreamPolicy } from './log';
import { deadLetterDir } from './log/dead-letter';
import { maskUrl, startupStep } from './startup-error';
import { STREAMS, type StreamName } from './records';
import type { Sink } from './records/sink';
import { openSinks, prepareSinks, type NamedSink, type OpenedSinks } from './sinks';
import { createNdjsonSink } from './sinks/ndjson';
import { createMemoryDedup, type DedupStore } from './state/dedup';
import { createMemoryRateLimiter, type BucketRequest, type RateLimiter } from './state/rate-limiter';
import { connectRedis, createRedisDedup, createRedisRateLimiter } from './state/redis';
import type { Redis } from 'ioredis';

export interface CollectorOptions extends Omit<CollectorSettingsInput, 'sinks'> {
  /** Sink settings, or sink objects per stream (embedding, tests), which replace the configured ones. */
  sinks?: CollectorSettingsInput['sinks'] | Partial<Record<StreamName, Sink>>;
  logger?: Logger;
  sdkBundlePath?: string;
  demoPagePath?: string;
}

export interface Listening {
  port: number;
  host: string;
  url: string;
  /** The admin listener's, when `admin.port` is set. */
  adminUrl?: string;
}

export interface Collector {
  /** The public app: ingest, pixel, SDK bundles, demo page, health and readiness. */
  app: Hono<CollectorEnv>;
  /** The operator's app (`/metrics`, `/readyz` with its checks): served on `admin.port`. */
  adminApp: Hono;
  settings: CollectorSettings;
  /** The sinks that consume the log. */
  sinks: NamedSink[];
  log: Log;
  metrics: Metrics;
  /** What each request stored, as it is stored: the live view's source, and a test's. */
  feed: EventFeed;
  /** The streams the data folder keeps (the NDJSON sink without a dir of its own). */
  keptStreams(): StreamName[];
  /** Listens on the configured host and port (0 picks a free one), and the admin port if set. */
  start(): Promise<Listening>;
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
  // What could fail at start, each failure one line naming the setting; what was opened before it is closed.
  const opened: (() => Promise<unknown> | void)[] = [];
  const closeOpened = () => Promise.all(opened.splice(0).map(async (close) => close()));
  const planFile = settings.trackingPlan;
  const geoFile = settings.geo?.database;
  const redisUrl = settings.redis?.url;
  // Sink objects given in code (embedding, tests) consume the log; nothing keeps it then.
  const { maxLagBytes, fsync, ack, ackTimeoutMs, sinkTimeoutMs, rotateBytes, rotateSeconds } = settings.log;
  const passThrough = { keep: false, rotateBytes, rotateSeconds };
  let plan: ReturnType<typeof loadTrackingPlan> | undefined;
  let geo: GeoLookup | undefined;
  let redis: Redis | undefined;
  let suppression: Suppression;
  let sinks: NamedSink[];
  let streamPolicies: Record<StreamName, StreamPolicy>;
  let log: Log;
  try {
    plan = planFile
      ? await startupStep('trackingPlan', `cannot read ${planFile}`, () =>
          loadTrackingPlan({
            path: planFile,
            onReload: (error) =>
              error ? logger.error({ err: error }, 'tracking plan not reloaded; the previous one stays') : logger.info('tracking plan reloaded'),
          }),
        )
      : undefined;
    if (plan) opened.push(plan.close);
    const suppressionPath = suppressionFile(settings.dataDir);
    suppression = await startupStep('dataDir', `cannot read ${suppressionPath}`, async () =>
      watchSuppression({
        path: suppressionPath,
        emailPaths: emailPaths(settings.pii),
        onReload: ({ entries, malformed, error }) =>
          error
            ? logger.error({ err: error }, 'suppression list not reloaded; the previous one stays')
            : (malformed ? logger.warn : logger.info).call(logger, { entries, malformed }, 'suppression list reloaded'),
      }),
    );
    opened.push(suppression.close);
    geo = geoFile ? await startupStep('geo.database', `cannot open ${geoFile}`, () => openGeoDatabase(geoFile)) : undefined;
    redis = redisUrl ? await startupStep('redis.url', `cannot connect to ${maskUrl(redisUrl)}`, () => connectRedis(redisUrl, logger)) : undefined;
    if (redis) opened.push(() => redis!.quit().catch(() => {}));
    const opening: OpenedSinks = sinkObjects
      ? { consumers: Object.entries(sinkObjects).map(([stream, sink]) => ({ name: stream, stream: stream as StreamName, sink: sink! })), kept: {} }
      : await startupStep('sinks', 'cannot open a sink', () => openSinks(settings.sinks, settings.dataDir));
    sinks = opening.consumers;
    streamPolicies = everyStream(passThrough);
    for (const [stream, kept] of Object.entries(opening.kept)) streamPolicies[stream as StreamName] = { keep: true, ...kept };
    opened.push(() => Promise.all(sinks.map(({ sink }) => sink.close())));
    await prepareSinks(sinks, logger);
    log = await startupStep('dataDir', `cannot keep the data in ${settings.dataDir}`, () =>
      openLog({
        maxLagBytes,
        fsync,
        ack,
        ackTimeoutMs,
        sinkTimeoutMs,
        dataDir: settings.dataDir,
        streams: streamPolicies,
        consumers: sinks,
        deadLetter: (consumer) => createNdjsonSink({ dir: deadLetterDir(settings.dataDir, consumer) }),
        logger,
        onDelivered: (sink, count, seconds) => {
          metrics.sinkSeconds.observe({ sink, outcome: 'ok' }, seconds);
          metrics.sinkDelivered.inc({ sink }, count);
        },
        onFailure: (sink) => metrics.sinkFailures.inc({ sink }),
        onDeadLetter: (sink, count) => metrics.deadLetters.inc({ sink }, count),
        // Lines still in the log's memory when a person was forgotten are not delivered either.
        skipLine: (stream, line) => stream !== 'failed' && suppression.matchesLine(line),
      }),
    );
  } catch (error) {
    await closeOpened();
    throw error;
  }
  metrics.watchLog(log);

  let dedup: DedupStore;
  if (redis) dedup = createRedisDedup(redis, settings.dedup);
  else {
    // One process: what was written in the window is read back from the log, so that an event
    // re-sent after a restart (its acknowledgement lost in a crash) is still known.
    const memory = createMemoryDedup(settings.dedup);
    const started = Date.now();
    const lines = await log.scanIds(started - settings.dedup.windowSeconds * 1000, (source, id) => memory.remember(`${source}:${id}`));
    if (lines > 0) logger.info({ events: lines, ms: Date.now() - started }, 'de-dup state rebuilt from the log');
    dedup = memory;
  }
  const limiter: RateLimiter = redis ? createRedisRateLimiter(redis) : createMemoryRateLimiter();

  const enrich = createEnricher({ anonymizeIp: settings.ip.anonymize, geo, pii: settings.pii, channels: settings.channels });
  const scrub = createScrubber({ anonymizeIp: settings.ip.anonymize, pii: settings.pii });
  const ingest = createIngest({ enrich, scrub, plan: plan?.check, routeBots: settings.bots === 'route', suppressed: suppression.matches });
  const sequence = createSequenceTracker();
  const feed = createEventFeed();
  const deliver = createDeliver({ log, dedup, order: orderBySequence(sequence), logger, feed });
  const ipOf = (c: Context) => clientIp(c, settings.trustProxy);

  /** The source of a request and what its rate limits let through: per key, and per key × client for browser keys. */
  const senderOf = (c: Context<CollectorEnv>): Sender => {
    const source = c.get('source');
    const buckets: BucketRequest[] = [];
    if (source.rateLimit) buckets.push({ bucket: `key:${source.name}`, rate: source.rateLimit });
    if (source.kind === 'browser' && source.ipRateLimit) buckets.push({ bucket: `ip:${source.name}:${clientBucket(ipOf(c))}`, rate: source.ipRateLimit });
    return { source: source.name, ...(buckets.length > 0 && { allowance: (wanted, debt) => limiter.take(buckets, wanted, debt) }) };
  };
  // A server key's requests come from the backend, not the user: their address and agent say nothing of the user.
  const requestFacts = (c: Context<CollectorEnv>) =>
    c.get('source').kind === 'browser' ? { ip: ipOf(c), userAgent: c.req.header('user-agent'), deviceId: c.get('deviceId') } : { deviceId: c.get('deviceId') };
  const onOutcome = (source: string, result: IngestResult, { accepted, duplicates, limited }: Delivered) => {
    metrics.accepted.inc({ source }, accepted);
    if (duplicates) metrics.duplicates.inc({ source }, duplicates);
    if (limited) metrics.rateLimited.inc({ source }, limited);
    if (result.suppressed) metrics.suppressed.inc({ source }, result.suppressed);
    const bots = result.bots.length + result.accepted.filter((e) => e.context.bot).length;
    if (bots) metrics.bots.inc(bots);
    for (const failed of result.failed) {
      metrics.rejected.inc({ source, reason: failed.category });
      refusals('debug', { source, category: failed.category, reason: failed.reason }, 'event rejected');
    }
    metrics.seqGaps.set(sequence.lost());
  };

  let stopping = false;
  /**
   * Whether this instance can take events now: not stopping, no sink past the high-water mark, the
   * de-dup store reachable. A sink in trouble only lags (the log keeps its events): that is health,
   * not readiness, or one warehouse outage would take every replica out of the load balancer.
   */
  const ready = async (): Promise<Readiness> => {
    const checks: Record<string, string> = { accepting: stopping ? 'stopping' : 'ok' };
    checks.log = log.lagBytes() < settings.log.maxLagBytes ? 'ok' : 'sinks too far behind';
    if (redis)
      checks.redis = await redis.ping().then(
        () => 'ok',
        () => 'unreachable',
      );
    return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
  };
  /** Each sink's state and lag: what an operator watches. */
  const health = async () => {
    const states = new Map(log.consumers().map((c) => [c.name, c]));
    const detail: Record<string, object> = {};
    for (const { name, sink } of sinks) {
      const { state = 'closed', lagBytes = 0, backlogEvents = 0, lagSeconds = 0 } = states.get(name) ?? {};
      const status = state === 'open' ? 'circuit open' : state === 'retrying' ? 'retrying' : (await (sink.ready?.() ?? true)) ? 'ok' : 'failing';
      detail[name] = { status, lagBytes, backlogEvents, lagSeconds: Math.round(lagSeconds) };
    }
    return { sinks: detail };
  };

  const refusals = sampledLog(logger, 10);
  const onError = handleError(
    (error, c) => logger.error({ err: error, path: c.req.path }, 'unhandled error'),
    // Never the body: what was refused, why, and from which source.
    (status, message, c) =>
      refusals('debug', { status, reason: message, path: c.req.path, source: (c.get('source') as { name?: string } | undefined)?.name }, 'request refused'),
  );
  const notFound = (c: Context) => errorResponse(c, 404, `no route for ${c.req.method} ${c.req.path}`);

  const adminApp = new Hono();
  adminApp.onError(onError);
  adminApp.notFound(notFound);
  adminApp.route('/', opsRoutes({ metrics, ready, health, isAdmin: () => true }));
  // The live view shows every event as it arrives: only behind the admin token, wherever it is served.
  const isOperator = bearerMatches(settings.admin.token);
  if (settings.admin.token) adminApp.route('/', debugRoutes({ feed, isAllowed: isOperator }));

  const app = new Hono<CollectorEnv>();
  app.onError(onError);
  app.notFound(notFound);
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const labels = { route: c.req.routePath, status: c.res.status };
    metrics.requests.inc(labels);
    metrics.requestSeconds.observe(labels, (performance.now() - started) / 1000);
  });
  app.route('/', opsRoutes({ metrics, ready, health, isAdmin: isOperator }));
  if (settings.admin.token) app.route('/', debugRoutes({ feed, isAllowed: isOperator }));
  const root = sdkBundlePath && demoPagePath ? '' : packageRoot();
  app.route(
    '/',
    staticRoutes({
      sdkBundlePath: sdkBundlePath ?? join(root, 'dist', 'touchpoint.min.js'),
      demoPagePath: demoPagePath ?? join(root, 'examples', 'shop', 'index.html'),
    }),
  );

  // Load shedding counts authenticated requests being processed; uploads in progress are bounded per client.
  const shed = loadShed({ maxInflight: settings.limits.maxInflightRequests, onShed: () => metrics.shed.inc(), onChange: (n) => metrics.inflight.set(n) });
  const uploads = createUploadGate({
    maxPerClient: settings.limits.maxUploadsPerClient,
    clientOf: (c) => clientBucket(ipOf(c)),
    onRefused: () => metrics.uploadsRefused.inc(),
  });
  const onRefused = (reason: string) => metrics.unauthorised.inc({ reason });

  app.use('/v1/pixel/*', shed);
  app.route(
    '/v1/pixel',
    pixelRoutes({ keys, ingest, deliver, senderOf, requestFacts, logger, onOutcome, onRefused: (reason) => metrics.pixelRefused.inc({ reason }) }),
  );

  const ingestApp = new Hono<CollectorEnv>();
  ingestApp.use(
    '*',
    ingestCors({ keys, credentials: settings.deviceCookie !== undefined }),
    writeKeyFromHeaders({ keys, onRefused }),
    jsonBody({ maxBytes: MAX_BATCH_BYTES, timeoutMs: settings.limits.bodyTimeoutMs, admit: uploads.admit }),
    writeKeyFromBody({ keys, onRefused }),
    allowedOrigin(),
    shed,
  );
  if (settings.deviceCookie) ingestApp.use('*', deviceId(settings.deviceCookie));
  ingestApp.route('/', ingestRoutes({ ingest, deliver, senderOf, requestFacts, onOutcome }));
  app.route('/v1', ingestApp);
  app.route('/beacon/v1', ingestApp); // RudderStack's beacons

  const servers: ServerType[] = [];
  const serverOptions = {
    headersTimeout: settings.limits.headersTimeoutMs,
    // Headers, body, then the time a request may take to be stored.
    requestTimeout: settings.limits.headersTimeoutMs + settings.limits.bodyTimeoutMs + 30_000,
  };
  const listen = (fetch: (request: Request, env: unknown) => Response | Promise<Response>, port: number, hostname: string, setting: string) =>
    startupStep(
      setting,
      `cannot listen on ${hostname}:${port}`,
      () =>
        new Promise<{ url: string; port: number; host: string }>((resolve, reject) => {
          const s = serve({ fetch, port, hostname, serverOptions }, (info: AddressInfo) => {
            const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
            resolve({ url: `http://${host}:${info.port}`, port: info.port, host: info.address });
          });
          s.once('error', reject);
          servers.push(s);
        }),
    );

  return {
    app,
    adminApp,
    settings,
    sinks,
    log,
    metrics,
    feed,
    keptStreams: () => STREAMS.filter((s) => streamPolicies[s].keep),
    async start() {
      const listening: Listening = await listen(app.fetch, settings.port, settings.host, 'port');
      if (settings.admin.port !== undefined) listening.adminUrl = (await listen(adminApp.fetch, settings.admin.port, settings.admin.host, 'admin.port')).url;
      logger.info({ url: listening.url, adminUrl: listening.adminUrl }, 'collector listening');
      if (keys.usesDemoKey) logger.warn('no write keys configured (TOUCHPOINT_WRITE_KEYS): accepting the demo key "demo"');
      return listening;
    },
    async stop() {
      stopping = true; // not ready from now on: the load balancer sends no more
      feed.close(); // ends the live view's streams, which would keep the servers open
      const running = servers.splice(0);
      await Promise.all(
        running.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              if ('closeIdleConnections' in s) s.closeIdleConnections();
            }),
        ),
      );
      plan?.close();
      suppression.close();
      await log.close();
      await Promise.all(sinks.map(({ sink }) => sink.close()));
      await redis?.quit().catch(() => {});
      logger.info('collector stopped');
    },
  };
}
