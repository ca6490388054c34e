import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { SinkConfig } from '../config';
import type { StreamName } from '../records';
import type { Sink } from '../records/sink';
import { createClickHouseSink } from './clickhouse';
import { createHttpSink } from './http';
import { createKafkaSink } from './kafka';
import { MigrationError } from './migrations';
import { createMysqlSink } from './mysql';
import { createNatsSink } from './nats';
import { createNdjsonSink } from './ndjson';
import { createPostgresSink } from './postgres';
import { createStdoutSink } from './stdout';
import { reasonOf, StartupError } from '../startup-error';

export interface NamedSink {
  /** Unique per sink and stream: names its consumer and cursor. */
  name: string;
  stream: StreamName;
  sink: Sink;
}

/** How the NDJSON sink that keeps the data folder cuts and keeps a stream's files (the log's parts). */
export interface KeptStream {
  rotateBytes: number;
  rotateSeconds: number;
  retentionDays?: number;
}

export interface OpenedSinks {
  /** The sinks that consume the log, one per configured destination and stream. */
  consumers: NamedSink[];
  /** The streams the data folder keeps as the user's files; the others only pass through the log. */
  kept: Partial<Record<StreamName, KeptStream>>;
}

/** The table a stream goes to: `table` for events, `table_<stream>` for the others. */
export const tableFor = (table: string, stream: StreamName) => (stream === 'events' ? table : `${table}_${stream}`);

/**
 * An NDJSON sink over the data folder itself, uncompressed, is not a copy: the log's parts are its
 * files, kept (for `retentionDays`, if set). Its rotation settings cut them.
 */
export const keepsTheLog = (config: SinkConfig, dataDir: string) =>
  config.type === 'ndjson' && !config.gzip && (config.dir === undefined || resolve(config.dir) === resolve(dataDir));

/**
 * The sinks the configuration names. Heavy drivers are imported only here, on demand; the NDJSON
 * sink that keeps the data folder is not a consumer but what the log keeps (`kept`).
 */
export async function openSinks(configs: readonly SinkConfig[], dataDir: string): Promise<OpenedSinks> {
  const kept: OpenedSinks['kept'] = {};
  const consumers: NamedSink[] = [];
  for (const [index, config] of configs.entries()) {
    if (keepsTheLog(config, dataDir) && config.type === 'ndjson') {
      for (const stream of config.streams) {
        kept[stream] = {
          rotateBytes: config.rotateBytes,
          rotateSeconds: config.rotateSeconds,
          ...(config.retentionDays !== undefined && { retentionDays: config.retentionDays }),
        };
      }
      continue;
    }
    for (const stream of config.streams) {
      const name = `${config.name ?? `${config.type}${index === 0 ? '' : `-${index}`}`}.${stream}`;
      const shape = stream === 'failed' ? 'failed' : 'events';
      let sink: Sink;
      switch (config.type) {
        case 'ndjson':
          sink = createNdjsonSink({
            dir: join(config.dir ?? dataDir, stream),
            rotateBytes: config.rotateBytes,
            rotateSeconds: config.rotateSeconds,
            gzip: config.gzip,
          });
          break;
        case 'stdout':
          sink = createStdoutSink();
          break;
        case 'http':
          sink = createHttpSink(config);
          break;
        case 'postgres':
          sink = await createPostgresSink({ url: config.url, table: tableFor(config.table, stream), shape });
          break;
        case 'mysql':
          sink = await createMysqlSink({ url: config.url, table: tableFor(config.table, stream), shape });
          break;
        case 'clickhouse':
          sink = createClickHouseSink({ ...config, table: tableFor(config.table, stream), shape });
          break;
        case 'nats':
          sink = await createNatsSink({ ...config, streamName: stream });
          break;
        case 'kafka':
          sink = await createKafkaSink({ ...config, streamName: stream });
          break;
      }
      consumers.push({ name, stream, sink });
    }
  }
  return { consumers, kept };
}

/**
 * Readies the sinks' stores at start, all at once: a migration the database refuses stops the
 * start with one line naming the sink, the table and the version; a store that cannot be reached
 * now is readied on its first write, and the log keeps the events until then.
 */
export async function prepareSinks(sinks: readonly NamedSink[], logger: Logger): Promise<void> {
  await Promise.all(
    sinks.map(async ({ name, sink }) => {
      try {
        const opened = await sink.open?.();
        if (opened?.migrated.length) logger.info({ sink: name, table: opened.table, versions: opened.migrated }, 'table migrated');
      } catch (error) {
        if (error instanceof MigrationError) throw new StartupError(`sinks: ${name}: ${error.message}`, { cause: error });
        logger.warn({ sink: name, reason: reasonOf(error) }, 'sink not ready at start: its table is created or migrated on its first write');
      }
    }),
  );
}
