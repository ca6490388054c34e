import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { E2E_DATA_DIR } from '../../playwright.config';

/** Every JSON line the collector wrote under `<dataDir>/<stream>/`, in every date partition. */
export async function readStream(stream: 'events' | 'failed'): Promise<Record<string, any>[]> {
  const root = join(E2E_DATA_DIR, stream);
  const files = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  const rows: Record<string, any>[] = [];
  for (const file of files.filter((f) => f.endsWith('.ndjson'))) {
    const text = await readFile(join(root, file), 'utf8');
    for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line));
  }
  return rows;
}
