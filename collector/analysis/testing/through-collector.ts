import { request } from 'undici';
import { createCollector } from '../../app';
import { createLogger } from '../../logger';
import type { Journeys, Send } from './journeys';

const PII_SALT = 'analysis-tests-salt-0123456789';

export interface DeliveryReport {
  requests: number;
  accepted: number;
  /** Re-sent to the same collector: dropped by its de-dup window. */
  duplicatesDropped: number;
  /** Re-sent after the collector's de-dup window: they land twice. */
  duplicatesLanded: number;
}

/**
 * Sends the journeys through the real collector, over HTTP, into `dataDir` (the NDJSON sink):
 * batches with `sentAt` by each device's clock and its device cookie, in shuffled order, some
 * re-sent at once; then, from a collector whose de-dup window is a second, re-sends a few more
 * once that window has passed — as a device back online days later, or a backfill, would: they
 * land twice (the collector remembers ids across restarts, but only for its window). Everything is enriched as in production: corrected `timestamp`,
 * `originalTimestamp`, `receivedAt`, `context.channel`, the device id, hashed e-mails.
 */
export async function sendThroughCollector(
  journeys: Journeys,
  dataDir: string,
  { concurrency = 8, resend = 0.05, backfill = 0.03 } = {},
): Promise<DeliveryReport> {
  const report: DeliveryReport = { requests: 0, accepted: 0, duplicatesDropped: 0, duplicatesLanded: 0 };
  const start = async (dedup?: { windowSeconds: number }) => {
    const collector = await createCollector({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      logger: createLogger('silent'),
      dedup,
      deviceCookie: { name: 'tp_did', maxAgeDays: 400 },
      pii: {
        salt: PII_SALT,
        paths: [
          { path: 'traits.email', kind: 'email' },
          { path: 'traits.phone', kind: 'phone' },
        ],
        defaultRegion: 'CN',
      },
    });
    const { url } = await collector.start();
    return { collector, url };
  };

  const post = async (url: string, send: Send) => {
    const body = JSON.stringify({ batch: send.events, sentAt: new Date(Date.now() + send.skewMs).toISOString() });
    const res = await request(`${url}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
        authorization: `Basic ${Buffer.from('demo:').toString('base64')}`,
        ...(send.deviceCookie && { cookie: `tp_did=${send.deviceCookie}` }),
      },
      body,
    });
    const answer = (await res.body.json()) as { accepted: number; duplicates: number };
    if (res.statusCode !== 200) throw new Error(`collector answered ${res.statusCode}: ${JSON.stringify(answer)}`);
    report.requests++;
    return answer;
  };
  const inParallel = async (sends: readonly Send[], each: (send: Send) => Promise<void>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < sends.length) await each(sends[next++]!);
      }),
    );
  };

  const first = await start();
  const resent = journeys.sends.filter((_, i) => i % Math.round(1 / resend) === 0);
  await inParallel([...journeys.sends, ...resent], async (send) => {
    const answer = await post(first.url, send);
    report.accepted += answer.accepted;
    report.duplicatesDropped += answer.duplicates;
  });
  await first.collector.stop();

  const second = await start({ windowSeconds: 1 });
  await new Promise((resolve) => setTimeout(resolve, 2100)); // past the window: forgotten
  await inParallel(
    journeys.sends.filter((_, i) => i % Math.round(1 / backfill) === 1),
    async (send) => {
      const answer = await post(second.url, send);
      report.duplicatesLanded += answer.accepted;
    },
  );
  await second.collector.stop();
  return report;
}
