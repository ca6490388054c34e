import { describe, expect, it } from 'vitest';
import { createKafkaSink, type KafkaProducer } from './kafka';
import { eventsBatch, failedBatch, sampleEvents, sampleFailed } from './sample-events';

// No Kafka broker can run on these machines, so this sink has NOT been run against a broker
// here. It is tested up to the client: a recording producer stands in for kafkajs's, checking the
// records the sink hands it (topic, key per device, messageId header, value).
function recordingProducer() {
  const sent: Parameters<KafkaProducer['send']>[0][] = [];
  const calls: string[] = [];
  const producer: KafkaProducer = {
    connect: async () => void calls.push('connect'),
    send: async (record) => void sent.push(record),
    disconnect: async () => void calls.push('disconnect'),
  };
  return { producer, sent, calls };
}

describe('Kafka sink (no broker here: tested up to the client)', () => {
  it('keys events by device so they stay ordered, with the messageId as a header', async () => {
    const { producer, sent, calls } = recordingProducer();
    const sink = await createKafkaSink({ brokers: ['127.0.0.1:9092'], topic: 'touchpoint', clientId: 'test', streamName: 'events', producer });
    const events = sampleEvents('k', 3);
    await sink.write(eventsBatch(events));
    await sink.write(eventsBatch(events.slice(0, 1)));
    await sink.close();
    expect(calls).toEqual(['connect', 'disconnect']);
    expect(sent[0]!.topic).toBe('touchpoint');
    expect(sent[0]!.messages.map((m) => [m.key, m.headers?.['message-id']])).toEqual([
      ['anon-0', 'k-0'],
      ['anon-1', 'k-1'],
      ['anon-0', 'k-2'],
    ]);
    expect(JSON.parse(sent[0]!.messages[0]!.value)).toEqual(JSON.parse(JSON.stringify(events[0])));
  });

  it('sends failed records to their own topic', async () => {
    const { producer, sent } = recordingProducer();
    const sink = await createKafkaSink({ brokers: ['127.0.0.1:9092'], topic: 'touchpoint', clientId: 'test', streamName: 'failed', producer });
    await sink.write(failedBatch(sampleFailed('k')));
    expect(sent[0]).toMatchObject({ topic: 'touchpoint.failed', messages: [{ key: null }] });
  });

  it('loads kafkajs when no producer is given, and fails the write when no broker answers', async () => {
    const sink = await createKafkaSink({ brokers: ['127.0.0.1:1'], topic: 'touchpoint', clientId: 'test', streamName: 'events' });
    await expect(sink.write(eventsBatch(sampleEvents('k', 1)))).rejects.toThrow();
    await sink.close();
  }, 60_000);
});
