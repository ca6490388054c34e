export { createCollector, type Collector } from './app';
export { ConfigError, configFromEnv, DEMO_WRITE_KEY, type CollectorConfig } from './config';
export type { EnrichedEvent } from './pipeline/enrich';
export type { FailedRecord } from './pipeline/ingest';
export { createMemorySink, type MemorySink } from './sinks/memory';
export { createNdjsonSink, type NdjsonSinkOptions } from './sinks/ndjson';
export type { Sink } from './sinks/sink';
