import type { Writable } from 'node:stream';
import type { Sink } from '../records/sink';

/** One JSON line per record on standard output, for containers and pipes; honours back-pressure. */
export function createStdoutSink(out: Writable = process.stdout): Sink {
  return {
    write: (batch) => new Promise<void>((resolve, reject) => out.write(batch.lines, (error) => (error ? reject(error) : resolve()))),
    async close() {},
  };
}
