import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** An event as the collector writes it, from the few fields a test cares about. */
export interface Written {
  id: string;
  type?: string;
  event?: string;
  name?: string;
  at: string;
  anon?: string;
  user?: string;
  previousId?: string;
  context?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
}

export function written({ id, type = 'track', event, name, at, anon, user, previousId, context = {}, properties, traits }: Written): Record<string, unknown> {
  return {
    messageId: id,
    type,
    ...(event !== undefined && { event }),
    ...(name !== undefined && { name }),
    ...(anon !== undefined && { anonymousId: anon }),
    ...(user !== undefined && { userId: user }),
    ...(previousId !== undefined && { previousId }),
    ...(properties && { properties }),
    ...(traits && { traits }),
    context: { library: { name: 'touchpoint', version: '0.1.0' }, ...context },
    timestamp: at,
    originalTimestamp: at,
    receivedAt: at,
    sentAt: at,
  };
}

export const tempDataFolder = () => mkdtemp(join(tmpdir(), 'tp-analysis-'));

/** Writes a part as the NDJSON sink names it: `events/date=<date>/part-<startedAtMs>-<pid>-<n>.ndjson[.gz]`. */
export async function writePart(
  data: string,
  events: readonly Written[],
  { date = '2026-11-01', startedAtMs = Date.parse(`${date}T00:00:00Z`), pid = 4242, n = 0, gzip = false, tail = '' } = {},
): Promise<string> {
  const folder = join(data, 'events', `date=${date}`);
  await mkdir(folder, { recursive: true });
  const path = join(folder, `part-${startedAtMs}-${pid}-${n}.ndjson${gzip ? '.gz' : ''}`);
  const lines = events.map((e) => `${JSON.stringify(written(e))}\n`);
  // gzip: one member per write, as the sink appends them.
  await writeFile(path, gzip ? Buffer.concat(lines.map((l) => gzipSync(l))) : lines.join('') + tail);
  return path;
}
