import { sharedUntilFailure } from './shared-until-failure';
import { importOptional } from '../optional-import';
import { splitLines } from '../records';
import { EventsRefusedError, type Sink } from '../records/sink';

const REFUSED_TYPES = new Set(['MESSAGE_TOO_LARGE', 'INVALID_RECORD', 'RECORD_LIST_TOO_LARGE', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP']);

/** The part of a Kafka producer the sink uses: kafkajs's, or any client with the same `send`. */
export interface KafkaProducer {
  connect(): Promise<void>;
  send(record: { topic: string; messages: { key: string | null; value: string; headers?: Record<string, string> }[] }): Promise<unknown>;
  disconnect(): Promise<void>;
}

export interface KafkaSinkOptions {
  brokers: string[];
  topic: string;
  clientId: string;
  streamName: 'events' | 'failed' | 'bots';
  /** For tests: no broker can run on the development machines. */
  producer?: KafkaProducer;
}

/**
 * Kafka through kafkajs (loaded only when configured). Messages are keyed by anonymousId (or
 * userId) so one device's events stay in one partition, in order; the messageId travels as a
 * header for consumers that de-duplicate. Failed records go to `<topic>.failed`, bots to `<topic>.bots`.
 */
export async function createKafkaSink({ brokers, topic, clientId, streamName, producer: given }: KafkaSinkOptions): Promise<Sink> {
  let producer = given;
  if (!producer) {
    const { Kafka, logLevel } = await importOptional(() => import('kafkajs'), 'kafkajs', 'the Kafka sink');
    // Failures surface through the pump, which logs and retries them; kafkajs's own logs would repeat them.
    const kafka = new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  }
  const target = streamName === 'events' ? topic : `${topic}.${streamName}`;
  let used = false;
  const connect = sharedUntilFailure(() => producer.connect());
  return {
    async write(batch) {
      used = true;
      await connect();
      // Each value is the record's line as the log holds it.
      const values = splitLines(batch.lines).map((line) => line.toString('utf8'));
      const messages =
        batch.stream === 'failed'
          ? values.map((value) => ({ key: null, value }))
          : batch
              .events()
              .map((e, i) => ({ key: e.anonymousId ?? e.userId ?? null, value: values[i]!, headers: { 'message-id': e.messageId, source: e.source } }));
      await producer.send({ topic: target, messages }).catch((error: { type?: unknown; message?: string }) => {
        // The broker's answers that name the records (kafkajs's protocol error types), not the connection.
        if (typeof error.type === 'string' && REFUSED_TYPES.has(error.type)) throw new EventsRefusedError(`Kafka refused the records: ${error.message}`);
        throw error;
      });
    },
    async close() {
      if (used) await producer.disconnect().catch(() => {});
    },
  };
}
