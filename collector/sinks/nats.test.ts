import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsSink, natsMessageId } from './nats';
import { pumpThrough } from './refusals.test-support';
import { eventsBatch, sampleEvents } from './sample-events';

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
  await jsm.streams.delete(`${stream}_SMALL`).catch(() => {});
  await nc.close();
});

describe('NATS JetStream sink', () => {
  it('publishes by event type with Nats-Msg-Id, so the broker drops re-delivered events', async () => {
    const sink = await createNatsSink({ servers: '127.0.0.1:4222', stream, subjectPrefix: run, duplicateWindowSeconds: 3600, streamName: 'events' });
    const events = sampleEvents(run, 5);
    await sink.write(eventsBatch(events));
    await sink.write(eventsBatch(events.slice(1, 3))); // re-delivered after a crash
    await sink.close();
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    expect(info.state.messages).toBe(5);
    expect(info.config.subjects).toEqual([`${run}.>`]);
    const first = await jsm.streams.getMessage(stream, { seq: 1 });
    expect(first?.subject).toBe(`${run}.events.track`);
    expect(first?.header?.get('Nats-Msg-Id')).toBe(`shop-web:${run}-0`);
    expect(first?.json()).toMatchObject({ messageId: `${run}-0`, properties: { note: '订单' } });
  });

  it("never lets one event block the stream: a message over the stream's size limit goes to the dead-letter stream, the rest flow", async () => {
    // The operator's stream takes messages of at most 2 KB.
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: `${stream}_SMALL`, subjects: [`${run}s.>`], max_msg_size: 2048, duplicate_window: 3600e9 });
    const sink = await createNatsSink({
      servers: '127.0.0.1:4222',
      stream: `${stream}_SMALL`,
      subjectPrefix: `${run}s`,
      duplicateWindowSeconds: 3600,
      streamName: 'events',
    });
    const events = sampleEvents(`${run}-s`, 4);
    events[1] = { ...events[1]!, properties: { blob: 'x'.repeat(4000) } } as (typeof events)[number];
    // A message id with a line break would end the Nats-Msg-Id header: it goes as its hash.
    events[2] = { ...events[2]!, messageId: 'evil\r\nNats-Expected-Stream: other' };
    const { deadLetters, state } = await pumpThrough(sink, [events, sampleEvents(`${run}-s-later`, 2)]);
    await sink.close();
    expect(state).toBe('closed');
    expect(deadLetters.map((d) => [d.event.messageId, d.reason])).toEqual([[`${run}-s-1`, expect.stringMatching(/NATS refused the message: .*maximum/i)]]);
    const info = await jsm.streams.info(`${stream}_SMALL`);
    expect(info.state.messages).toBe(5);
    const ids = [];
    for (let seq = 1; seq <= 5; seq++) ids.push((await jsm.streams.getMessage(`${stream}_SMALL`, { seq }))?.header?.get('Nats-Msg-Id'));
    expect(ids).toContain(natsMessageId('shop-web', 'evil\r\nNats-Expected-Stream: other'));
    expect(natsMessageId('shop-web', 'evil\r\nx')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
