import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { E2E_DATA_DIR } from '../../playwright.config';

export type StreamName = 'events' | 'failed' | 'bots';

/**
 * Every JSON line the collector's NDJSON sink wrote under `<dataDir>/<stream>/`, in every date
 * partition, `.ndjson.gz` parts included. The journeys' collector writes to E2E_DATA_DIR.
 */
export async function readStream(stream: StreamName, dataDir = E2E_DATA_DIR): Promise<Record<string, any>[]> {
  const root = join(dataDir, stream);
  const files = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  const rows: Record<string, any>[] = [];
  for (const file of files.filter((f) => f.endsWith('.ndjson') || f.endsWith('.ndjson.gz'))) {
    const raw = await readFile(join(root, file));
    // Only whole lines (and a gzip member cut short read as far as it goes): the sink may be
    // appending while the test reads.
    const text = (file.endsWith('.gz') ? gunzipSync(raw, { finishFlush: constants.Z_SYNC_FLUSH }) : raw).toString('utf8');
    const lines = text.split('\n').slice(0, -1);
    for (const line of lines) if (line) rows.push(JSON.parse(line));
  }
  return rows;
}
