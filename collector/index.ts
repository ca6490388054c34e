export { createCollector, type Collector, type CollectorOptions } from './app';
export { ConfigError, DEMO_WRITE_KEY, loadConfig, parseSettings, type CollectorSettings, type CollectorSettingsInput, type WriteKeyConfig } from './config';
export type { EnrichedEvent } from './pipeline/enrich';
export type { FailedRecord } from './pipeline/ingest';
export { trackingPlanSchema, type TrackingPlanFile } from './pipeline/tracking-plan';
export { createMemorySink, type MemorySink } from './sinks/memory';
export { createNdjsonSink, type NdjsonSinkOptions } from './sinks/ndjson';
export type { Sink } from './sinks/sink';
