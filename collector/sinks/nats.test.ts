import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsSink } from './nats';
import { sampleEvents } from './sample-events';

// The real NATS server with JetStream on 127.0.0.1:4222.
const run = `r${process.pid}x${Date.now()}`;
const stream = `TP_${run}`;
let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: '127.0.0.1:4222' });
});
afterAll(async () => {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => {});
  await nc.close();
});

describe('NATS JetStream sink', () => {
  it('publishes by event type with Nats-Msg-Id, so the broker drops re-delivered events', async () => {
    const sink = await createNatsSink({ servers: '127.0.0.1:4222', stream, subjectPrefix: run, duplicateWindowSeconds: 3600, streamName: 'events' });
    const events = sampleEvents(run, 5);
    await sink.write(events);
    await sink.write(events.slice(1, 3)); // re-delivered after a crash
    await sink.close();
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    expect(info.state.messages).toBe(5);
    expect(info.config.subjects).toEqual([`${run}.>`]);
    const first = await jsm.streams.getMessage(stream, { seq: 1 });
    expect(first?.subject).toBe(`${run}.events.track`);
    expect(first?.header?.get('Nats-Msg-Id')).toBe(`${run}-0`);
    expect(first?.json()).toMatchObject({ messageId: `${run}-0`, properties: { note: '订单' } });
  });
});
