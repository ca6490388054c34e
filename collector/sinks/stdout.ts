import type { Writable } from 'node:stream';
import { ndjson, type Sink } from './sink';

/** One JSON line per event on standard output, for containers and pipes; honours back-pressure. */
export function createStdoutSink(out: Writable = process.stdout): Sink {
  const send = (text: string | Buffer) => new Promise<void>((resolve, reject) => out.write(text, (error) => (error ? reject(error) : resolve())));
  return {
    write: (events) => send(ndjson(events)),
    writeLines: (lines) => send(lines),
    async close() {},
  };
}
