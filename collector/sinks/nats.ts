import type { NatsConnection } from '@nats-io/transport-node';
import type { Sink } from './sink';

export interface NatsSinkOptions {
  servers: string | string[];
  stream: string;
  subjectPrefix: string;
  duplicateWindowSeconds: number;
  /** Which spool stream this sink carries: part of the subject. */
  streamName: 'events' | 'failed' | 'bots';
}

/**
 * NATS JetStream (clients loaded only when configured). Subjects are
 * `<prefix>.<stream>.<type>` (e.g. `touchpoint.events.track`), and each event is published with
 * `Nats-Msg-Id` = messageId, so the broker itself drops re-delivered events within its window.
 */
export async function createNatsSink({ servers, stream, subjectPrefix, duplicateWindowSeconds, streamName }: NatsSinkOptions): Promise<Sink> {
  const [{ connect }, { jetstream, jetstreamManager }] = await Promise.all([import('@nats-io/transport-node'), import('@nats-io/jetstream')]);
  let connection: Promise<NatsConnection> | undefined;
  let js: ReturnType<typeof jetstream> | undefined;

  async function client() {
    connection ??= connect({ servers, reconnect: true, maxReconnectAttempts: -1, timeout: 5000 }).catch((error) => {
      connection = undefined;
      throw error;
    });
    const nc = await connection;
    if (!js) {
      const jsm = await jetstreamManager(nc);
      const config = { name: stream, subjects: [`${subjectPrefix}.>`], duplicate_window: duplicateWindowSeconds * 1e9 };
      await jsm.streams.info(stream).then(
        () => jsm.streams.update(stream, { duplicate_window: config.duplicate_window }),
        () => jsm.streams.add(config),
      );
      js = jetstream(nc);
    }
    return js;
  }

  return {
    async write(events) {
      const js = await client();
      const encoder = new TextEncoder();
      await Promise.all(
        events.map((e) => {
          const event = e as { type?: string; messageId?: string; category?: string };
          const kind = streamName === 'failed' ? event.category : event.type;
          return js.publish(`${subjectPrefix}.${streamName}.${kind ?? 'unknown'}`, encoder.encode(JSON.stringify(e)), {
            ...(event.messageId && { msgID: event.messageId }),
            timeout: 5000,
          });
        }),
      );
    },
    async ready() {
      try {
        await client();
        await (await connection)!.flush();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      const nc = await connection?.catch(() => undefined);
      await nc?.drain().catch(() => {});
    },
  };
}
