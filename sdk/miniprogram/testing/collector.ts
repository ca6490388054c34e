import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createCollector, type CollectorOptions } from '../../../collector/app';

/**
 * The real collector, in process on 127.0.0.1 and a free port, writing NDJSON to a temporary
 * folder; a request is answered once the events are in the files (the log is the data).
 */
export async function startCollector(options: CollectorOptions = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'tp-mini-'));
  const collector = await createCollector({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    logger: pino({ level: 'silent' }),
    ...options,
  });
  const { port } = await collector.start();
  const read = async (stream: 'events' | 'failed') => {
    const root = join(dataDir, stream);
    const files = await readdir(root, { recursive: true }).catch(() => [] as string[]);
    const rows: Record<string, any>[] = [];
    for (const file of files.filter((f) => f.endsWith('.ndjson'))) {
      for (const line of (await readFile(join(root, file), 'utf8')).split('\n')) if (line) rows.push(JSON.parse(line));
    }
    return rows;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    domain: `127.0.0.1:${port}`,
    events: () => read('events'),
    failed: () => read('failed'),
    async stop() {
      await collector.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
export type TestCollector = Awaited<ReturnType<typeof startCollector>>;
