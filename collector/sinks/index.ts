import { join } from 'node:path';
import type { SinkConfig } from '../config';
import type { StreamName } from '../spool/pump';
import { createClickHouseSink } from './clickhouse';
import { createHttpSink } from './http';
import { createKafkaSink } from './kafka';
import { createMysqlSink } from './mysql';
import { createNatsSink } from './nats';
import { createNdjsonSink } from './ndjson';
import { createPostgresSink } from './postgres';
import type { Sink } from './sink';
import { createStdoutSink } from './stdout';

export interface NamedSink {
  /** Unique per sink and stream: names the pump and its cursor. */
  name: string;
  stream: StreamName;
  sink: Sink;
}

const tableFor = (table: string, stream: StreamName) => (stream === 'events' ? table : `${table}_${stream}`);

/** One sink per configured destination and stream. Heavy drivers are imported only here, on demand. */
export async function openSinks(configs: readonly SinkConfig[], dataDir: string): Promise<NamedSink[]> {
  const sinks: NamedSink[] = [];
  for (const [index, config] of configs.entries()) {
    for (const stream of config.streams) {
      const name = `${config.name ?? `${config.type}${index === 0 ? '' : `-${index}`}`}.${stream}`;
      const shape = stream === 'failed' ? 'failed' : 'events';
      let sink: Sink;
      switch (config.type) {
        case 'ndjson':
          sink = createNdjsonSink({ dir: join(config.dir ?? dataDir, stream), rotateBytes: config.rotateBytes, rotateSeconds: config.rotateSeconds, gzip: config.gzip });
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
      sinks.push({ name, stream, sink });
    }
  }
  return sinks;
}
