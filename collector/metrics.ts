import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConsumerState } from './log';

/** The collector's Prometheus metrics, in a registry of its own (several collectors per process in tests). */
export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  // The process: CPU, memory, event-loop lag, GC, handles (prom-client's defaults).
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({ name: 'touchpoint_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers }),
    requestSeconds: new Histogram({
      name: 'touchpoint_request_duration_seconds',
      help: 'Time to answer a request, by route and status',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    accepted: new Counter({ name: 'touchpoint_events_accepted_total', help: 'Events written to the events stream', labelNames: ['source'], registers }),
    rejected: new Counter({
      name: 'touchpoint_events_rejected_total',
      help: 'Events sent to the failed stream, by reason',
      labelNames: ['source', 'reason'],
      registers,
    }),
    duplicates: new Counter({
      name: 'touchpoint_events_duplicate_total',
      help: 'Events recognised by messageId and not written again',
      labelNames: ['source'],
      registers,
    }),
    suppressed: new Counter({
      name: 'touchpoint_events_suppressed_total',
      help: 'Events of people on the suppression list (touchpoint forget), dropped before the log',
      labelNames: ['source'],
      registers,
    }),
    bots: new Counter({ name: 'touchpoint_events_bot_total', help: 'Events from bots (flagged or routed)', registers }),
    rateLimited: new Counter({
      name: 'touchpoint_events_rate_limited_total',
      help: 'New events over a rate limit, not taken (the request answered 429)',
      labelNames: ['source'],
      registers,
    }),
    unauthorised: new Counter({ name: 'touchpoint_requests_unauthorised_total', help: 'Requests answered 401, by reason', labelNames: ['reason'], registers }),
    pixelRefused: new Counter({
      name: 'touchpoint_pixel_refused_total',
      help: 'Pixel requests not stored (answered with the GIF all the same), by reason',
      labelNames: ['reason'],
      registers,
    }),
    shed: new Counter({ name: 'touchpoint_requests_shed_total', help: 'Requests answered 503 because too many were in flight', registers }),
    uploadsRefused: new Counter({
      name: 'touchpoint_uploads_refused_total',
      help: 'Requests answered 429 because their client had too many uploads in progress',
      registers,
    }),
    inflight: new Gauge({ name: 'touchpoint_requests_in_flight', help: 'Requests being processed (the ingest queue depth)', registers }),
    sinkSeconds: new Histogram({
      name: 'touchpoint_sink_write_seconds',
      help: 'Time for a sink to make a batch durable',
      labelNames: ['sink', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    sinkFailures: new Counter({
      name: 'touchpoint_sink_failures_total',
      help: 'Failed sink writes (each is retried from the log)',
      labelNames: ['sink'],
      registers,
    }),
    sinkDelivered: new Counter({ name: 'touchpoint_sink_events_delivered_total', help: 'Events a sink has made durable', labelNames: ['sink'], registers }),
    deadLetters: new Counter({
      name: 'touchpoint_sink_dead_letters_total',
      help: 'Events a sink refused for what they hold, set aside in its dead-letter stream',
      labelNames: ['sink'],
      registers,
    }),
    /** Reports the log's backlog, and each sink's circuit and lag, at scrape time. */
    watchLog(log: { lagBytes(): number; consumers(): ConsumerState[] }) {
      new Gauge({
        name: 'touchpoint_log_lag_bytes',
        help: 'Bytes of log the slowest sink has not delivered yet (the queue depth)',
        registers,
        collect() {
          this.set(log.lagBytes());
        },
      });
      const perSink = (name: string, help: string, value: (c: ConsumerState) => number) =>
        new Gauge({
          name,
          help,
          labelNames: ['sink'],
          registers,
          collect() {
            for (const consumer of log.consumers()) this.set({ sink: consumer.name }, value(consumer));
          },
        });
      perSink('touchpoint_sink_circuit_open', '1 while a sink has failed repeatedly and is only being probed', (c) => (c.state === 'open' ? 1 : 0));
      perSink('touchpoint_sink_lag_bytes', 'Bytes of its stream a sink has not delivered yet', (c) => c.lagBytes);
      perSink(
        'touchpoint_sink_backlog_events',
        'Events a sink has not delivered yet (its lag in bytes over the stream\u2019s average event size)',
        (c) => c.backlogEvents,
      );
      perSink('touchpoint_sink_lag_seconds', 'Seconds since a sink last had everything the log held (0 while it has)', (c) => c.lagSeconds);
    },
    seqGaps: new Gauge({
      name: 'touchpoint_sequence_lost_events',
      help: 'Events missing from devices\u2019 context.seq runs (sent by the SDK, never received)',
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
