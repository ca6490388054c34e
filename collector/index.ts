export { createCollector, type Collector, type CollectorOptions } from './app';
export { ConfigError, DEMO_WRITE_KEY, loadConfig, parseSettings, type CollectorSettings, type CollectorSettingsInput, type WriteKeyConfig } from './config';
export type { FailedRecord, StoredEvent, StreamName } from './records';
export type { Batch, Sink, WriteOutcome } from './records/sink';
export { EventsRefusedError } from './records/sink';
export { trackingPlanSchema, type TrackingPlanFile } from './pipeline/tracking-plan';
export { createMemorySink, type MemorySink } from './sinks/memory';
export { createNdjsonSink, type NdjsonSinkOptions } from './sinks/ndjson';
