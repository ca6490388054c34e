import { createHash } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { importOptional } from '../optional-import';
import { splitLines } from '../records';
import { EventsRefusedError, type Sink } from '../records/sink';

export interface NatsSinkOptions {
  servers: string | string[];
  stream: string;
  subjectPrefix: string;
  duplicateWindowSeconds: number;
  /** Which stream of the log this sink carries: part of the subject. */
  streamName: 'events' | 'failed' | 'bots';
}

/**
 * The de-dup id for the broker: source and messageId. A header value cannot hold control
 * characters (a CR or LF would end the header), so an id with anything but printable ASCII goes as
 * its hash: the same event always gets the same id.
 */
export function natsMessageId(source: string | undefined, messageId: string): string {
  const id = `${source ?? ''}:${messageId}`;
  return /^[\x21-\x7e]{1,256}$/.test(id) ? id : `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/** A message the stream or the server refuses for its size: JetStream's 10054, or the client's max_payload check. */
const refusedForSize = (error: { name?: string; code?: unknown; message?: string }) =>
  (error.name === 'JetStreamApiError' && error.code === 10054) || /max_payload/.test(error.message ?? '');

/**
 * NATS JetStream (clients loaded only when configured). Subjects are
 * `<prefix>.<stream>.<type>` (e.g. `touchpoint.events.track`), and each event is published with
 * `Nats-Msg-Id` = source:messageId, so the broker itself drops re-delivered events within its window.
 */
export async function createNatsSink({ servers, stream, subjectPrefix, duplicateWindowSeconds, streamName }: NatsSinkOptions): Promise<Sink> {
  const [{ connect }, { jetstream, jetstreamManager }] = await Promise.all([
    importOptional(() => import('@nats-io/transport-node'), '@nats-io/transport-node', 'the NATS sink'),
    importOptional(() => import('@nats-io/jetstream'), '@nats-io/jetstream', 'the NATS sink'),
  ]);
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
    async write(batch) {
      const js = await client();
      // Each message is the record's line as the log holds it; the subject and id come from its fields.
      const payloads = splitLines(batch.lines);
      const heads =
        batch.stream === 'failed'
          ? batch.records().map((r) => ({ kind: r.category, id: undefined }))
          : batch.events().map((e) => ({ kind: e.type, id: natsMessageId(e.source, e.messageId) }));
      await Promise.all(
        heads.map(async ({ kind, id }, i) => {
          try {
            await js.publish(`${subjectPrefix}.${streamName}.${kind}`, payloads[i]!, { ...(id && { msgID: id }), timeout: 5000 });
          } catch (error) {
            if (refusedForSize(error as Error)) throw new EventsRefusedError(`NATS refused the message: ${(error as Error).message}`);
            throw error;
          }
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
