import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { TrackedEvent } from '../expectation';

/**
 * A session is what the SDK's session plugin calls one: `context.session.id` (the full script-tag
 * build sets it on every event; a new one after 30 minutes idle or a new campaign).
 */
export const sessionIdOf = (event: TrackedEvent): string | undefined => {
  const id = (event.context?.session as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
};

/** The collector's NDJSON parts of the `events` stream: `<dataDir>/events/date=YYYY-MM-DD/part-*.ndjson[.gz]`. */
export async function eventParts(dataDir: string): Promise<string[]> {
  const root = join(dataDir, 'events');
  const days = (await readdir(root, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && d.name.startsWith('date='))
    .map((d) => d.name)
    .sort();
  const parts: string[] = [];
  for (const day of days) {
    const files = (await readdir(join(root, day))).filter((f) => /\.ndjson(\.gz)?$/.test(f)).sort();
    parts.push(...files.map((f) => join(root, day, f)));
  }
  return parts;
}

/** Every event in the parts that `keep` accepts; lines that are not JSON (a torn write) are skipped. */
async function readEvents(dataDir: string, keep: (line: string, event: TrackedEvent) => boolean): Promise<TrackedEvent[]> {
  const events: TrackedEvent[] = [];
  for (const part of await eventParts(dataDir)) {
    const file = createReadStream(part);
    const input = part.endsWith('.gz') ? file.pipe(createGunzip()) : file;
    const lines = createInterface({ input, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (!line) continue;
        let event: TrackedEvent;
        try {
          event = JSON.parse(line) as TrackedEvent;
        } catch {
          continue;
        }
        if (event && typeof event === 'object' && keep(line, event)) events.push(event);
      }
    } catch {
      // a truncated gzip part: keep what was read
    } finally {
      file.destroy();
    }
  }
  return events;
}

const timeOf = (e: TrackedEvent) => Date.parse(String(e.originalTimestamp ?? e.timestamp ?? e.receivedAt)) || 0;
const seqOf = (e: TrackedEvent) => (typeof e.context?.seq === 'number' ? e.context.seq : 0);

/** In the order they happened: the client's time, then its sequence number. */
export const byOccurrence = (a: TrackedEvent, b: TrackedEvent) => timeOf(a) - timeOf(b) || seqOf(a) - seqOf(b);

/** One session's events as they happened, each once (a part may hold a re-sent event twice). */
export async function readSession(dataDir: string, sessionId: string): Promise<TrackedEvent[]> {
  // The id is checked in the raw line first: most lines are other sessions' and are never parsed.
  const events = await readEvents(dataDir, (line, event) => line.includes(sessionId) && sessionIdOf(event) === sessionId);
  const seen = new Set<string>();
  return events.filter((e) => !seen.has(e.messageId) && seen.add(e.messageId)).sort(byOccurrence);
}

export interface SessionSummary {
  id: string;
  anonymousId?: string;
  userId?: string;
  start: string;
  events: number;
  firstUrl?: string;
}

/** The sessions in the data, most recent first: for `replay --list` (counts include any re-sent event). */
export async function listSessions(dataDir: string): Promise<SessionSummary[]> {
  const sessions = new Map<string, SessionSummary & { at: number }>();
  await readEvents(dataDir, (_line, event) => {
    const id = sessionIdOf(event);
    if (!id) return false;
    let session = sessions.get(id);
    if (!session) {
      session = { id, start: '', events: 0, at: Infinity };
      sessions.set(id, session);
    }
    session.events++;
    session.anonymousId ??= event.anonymousId;
    session.userId ??= event.userId;
    const at = timeOf(event);
    if (at < session.at) {
      session.at = at;
      session.start = new Date(at).toISOString();
      session.firstUrl = (event.context?.page as { url?: string } | undefined)?.url;
    }
    return false;
  });
  return [...sessions.values()].sort((a, b) => b.at - a.at).map(({ at: _at, ...summary }) => summary);
}
