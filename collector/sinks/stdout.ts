import type { Writable } from 'node:stream';
import type { Sink } from './sink';

/** One JSON line per event on standard output, for containers and pipes; honours back-pressure. */
export function createStdoutSink(out: Writable = process.stdout): Sink {
  return {
    write(events) {
      let text = '';
      for (const event of events) text += JSON.stringify(event) + '\n';
      return new Promise((resolve, reject) => out.write(text, (error) => (error ? reject(error) : resolve())));
    },
    async close() {},
  };
}
