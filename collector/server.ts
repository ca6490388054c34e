#!/usr/bin/env node
// The collector executable: settings from the environment, graceful stop on SIGINT/SIGTERM.
import { createCollector } from './app';
import { ConfigError, loadConfig, type CollectorSettings } from './config';
import { createLogger } from './logger';

let config: CollectorSettings;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`touchpoint-collector: ${error.message}`);
  process.exit(1);
}

const logger = createLogger(config.logLevel, { toStderr: config.sinks.some((s) => s.type === 'stdout') });
const collector = await createCollector({ ...config, logger }).catch((error: Error) => {
  logger.fatal({ err: error }, `cannot start: ${error.message}`);
  process.exit(1);
});
await collector.start().catch((error: Error) => {
  logger.fatal({ err: error }, `cannot listen on ${config.host}:${config.port}`);
  process.exit(1);
});

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
