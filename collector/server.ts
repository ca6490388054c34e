#!/usr/bin/env node
// The collector executable: settings from the environment, graceful stop on SIGINT/SIGTERM.
import { VERSION } from '../sdk/core/version';
import { createCollector } from './app';
import { ConfigError, loadConfig, type CollectorSettings } from './config';
import { createKeyRing } from './keys';
import { createLogger } from './logger';
import { maskUrl, reasonOf, StartupError } from './startup-error';

/** One line on stderr, for people and supervisors alike, and exit 1. */
function fail(message: string): never {
  console.error(`touchpoint-collector: ${message}`);
  process.exit(1);
}

let config: CollectorSettings;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  fail(error.message);
}

const logger = createLogger(config.logLevel, { toStderr: config.sinks.some((s) => s.type === 'stdout') });
const cannotStart = (error: Error): never => fail(error instanceof StartupError ? error.message : `cannot start: ${reasonOf(error)}`);
const collector = await createCollector({ ...config, logger }).catch(cannotStart);
const listening = await collector.start().catch(cannotStart);

// What an operator checks first: which version, where, with which sources and sinks.
logger.info(
  {
    version: VERSION,
    url: listening.url,
    adminUrl: listening.adminUrl,
    config: process.env.TOUCHPOINT_CONFIG ?? null,
    dataDir: config.dataDir,
    sources: createKeyRing(config.writeKeys).names(),
    sinks: [...collector.sinks.map((s) => s.name), ...collector.keptStreams().map((stream) => `ndjson.${stream} (the data folder)`)],
    redis: config.redis ? maskUrl(config.redis.url) : null,
    ack: config.log.ack,
  },
  'collector started',
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1); // a second signal: stop now
    stopping = true;
    logger.info({ signal }, 'stopping');
    collector.stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  });
}
