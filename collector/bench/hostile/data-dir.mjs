// What a collector wrote under its data dir: NDJSON records of a stream, read as a user would.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './collector-process.mjs';

/** Every `.ndjson` file under `dir` (any depth); none when it does not exist. */
export function ndjsonFiles(dir) {
  let names;
  try {
    names = readdirSync(dir, { recursive: true });
  } catch {
    return [];
  }
  return names.filter((name) => name.endsWith('.ndjson')).map((name) => join(dir, name));
}

/** The lines of every NDJSON file under `dir`, as text. */
export function lines(dir) {
  return ndjsonFiles(dir).flatMap((file) => readFileSync(file, 'utf8').split('\n').filter(Boolean));
}

/** The records of every NDJSON file under `dir`, parsed (a line that is not JSON is `{ unparsed }`). */
export function records(dir) {
  return lines(dir).map((line) => {
    try {
      return JSON.parse(line);
    } catch {
      return { unparsed: line };
    }
  });
}

/**
 * Polls `read()` (a number) until it has not changed for `quietMs` and is at least `atLeast`, or
 * `maxMs` has passed; returns the last value. The pumps write behind the acknowledgement.
 */
export async function settled(read, { quietMs = 1000, maxMs = 10_000, atLeast = 0 } = {}) {
  const deadline = Date.now() + maxMs;
  let value = read();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(200);
    const next = read();
    if (next !== value) {
      value = next;
      since = Date.now();
    } else if (value >= atLeast && Date.now() - since >= quietMs) break;
  }
  return value;
}
