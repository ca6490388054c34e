import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { DEMO_WRITE_KEY, type CollectorConfig } from './config';
import type { CollectorEnv } from './hono-env';
import { createLogger } from './logger';
import { packageRoot } from './package-root';
import { ingestRoutes } from './routes/ingest';
import { staticRoutes } from './routes/static';
import { createNdjsonSink } from './sinks/ndjson';
import type { Sink } from './sinks/sink';

export interface Collector {
  app: Hono<CollectorEnv>;
  sinks: { events: Sink; failed: Sink };
  /** Listens on the configured host and port (0 picks a free one). */
  start(): Promise<{ port: number; host: string; url: string }>;
  /** Stops accepting, lets in-flight requests finish, then closes the sinks. */
  stop(): Promise<void>;
}

export function createCollector(config: CollectorConfig): Collector {
  const logger = config.logger ?? createLogger(config.logLevel);
  const usesDemoKey = config.writeKeys.length === 0;
  const writeKeys = new Set(usesDemoKey ? [DEMO_WRITE_KEY] : config.writeKeys);
  const sinks = config.sinks ?? {
    events: createNdjsonSink({ dir: join(config.dataDir, 'events') }),
    failed: createNdjsonSink({ dir: join(config.dataDir, 'failed') }),
  };
  const root = config.sdkBundlePath && config.demoPagePath ? '' : packageRoot();

  const app = new Hono<CollectorEnv>();
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      return error.res ?? c.json({ success: false, error: error.message }, error.status);
    }
    logger.error({ err: error, path: c.req.path }, 'unhandled error');
    return c.json({ success: false, error: 'internal error' }, 500);
  });
  app.notFound((c) => c.json({ success: false, error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.route(
    '/',
    staticRoutes({
      sdkBundlePath: config.sdkBundlePath ?? join(root, 'dist', 'touchpoint.min.js'),
      demoPagePath: config.demoPagePath ?? join(root, 'examples', 'shop', 'index.html'),
    }),
  );
  app.use(
    '/v1/*',
    cors({
      origin: (origin) => origin,
      allowMethods: ['POST', 'GET', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Authorization', 'Content-Encoding', 'X-Write-Key'],
      maxAge: 86400,
    }),
  );
  app.route('/v1', ingestRoutes({ writeKeys, sinks, trustProxy: config.trustProxy, logger }));

  let server: ServerType | undefined;
  return {
    app,
    sinks,
    start() {
      return new Promise((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info: AddressInfo) => {
          const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
          const url = `http://${host}:${info.port}`;
          logger.info({ url }, 'collector listening');
          if (usesDemoKey) {
            logger.warn('no write keys configured (TOUCHPOINT_WRITE_KEYS): accepting the demo key "demo"');
          }
          resolve({ port: info.port, host: info.address, url });
        });
        s.once('error', reject);
        server = s;
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) {
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          if ('closeIdleConnections' in s) s.closeIdleConnections();
        });
      }
      await Promise.all([sinks.events.close(), sinks.failed.close()]);
      logger.info('collector stopped');
    },
  };
}
