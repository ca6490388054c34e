import { rm } from 'node:fs/promises';
import { openEngine, type Engine } from '../engine';
import { openEvents } from '../events';
import { usePersons } from '../stitch';
import { tempDataFolder, writePart, type Written } from './data-folder';

/** An engine over a data folder holding `events` (one part), with `events_p` stitched. */
export async function engineWith(events: readonly Written[]): Promise<{ engine: Engine; done: () => Promise<void> }> {
  const data = await tempDataFolder();
  await writePart(data, events);
  const engine = await openEngine();
  await usePersons(engine, await openEvents(engine, data));
  return {
    engine,
    async done() {
      engine.close();
      await rm(data, { recursive: true, force: true });
    },
  };
}

/** `2026-11-01T10:00:00.000Z` plus `seconds` (fractions are milliseconds). */
export const t = (seconds: number) => new Date(Date.parse('2026-11-01T10:00:00.000Z') + Math.round(seconds * 1000)).toISOString();
