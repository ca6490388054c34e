import { writeFile } from 'node:fs/promises';
import { dataFolder } from './args';
import { openEngine, type Engine } from './engine';
import { openEvents, type EventSources } from './events';
import { renderCsv, renderTable, type Format, type Table } from './output';
import { renderReport, type ReportContent } from './report';
import { usePersons } from './stitch';

export interface Workspace {
  engine: Engine;
  sources: EventSources;
  progress: (message: string) => void;
}

/**
 * Opens the data folder for one command: DuckDB, the view `events` over the lake and the fresh
 * NDJSON parts, and — for the commands that count persons — the stitched `events_p`.
 */
export async function withData<T>(
  data: string,
  { persons, progress }: { persons: boolean; progress: (message: string) => void },
  work: (workspace: Workspace) => Promise<T>,
): Promise<T> {
  dataFolder(data);
  const engine = await openEngine();
  try {
    progress('reading the data folder');
    const sources = await openEvents(engine, data);
    progress(`${sources.lakeFiles.length} Parquet file(s) in the lake, ${sources.freshParts.length} NDJSON part(s) not yet compacted`);
    if (persons) await usePersons(engine, sources, progress);
    return await work({ engine, sources, progress });
  } finally {
    engine.close();
  }
}

/** The result on stdout: a table for people, CSV, or the JSON document. */
export function print(format: Format, table: Table | Table[], json: unknown): void {
  const tables = Array.isArray(table) ? table : [table];
  if (format === 'json') process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  else if (format === 'csv') process.stdout.write(tables.map(renderCsv).join('\n'));
  else process.stdout.write(tables.map(renderTable).join('\n'));
}

export async function writeReport(path: string | undefined, content: ReportContent): Promise<void> {
  if (!path) return;
  await writeFile(path, renderReport(content));
  process.stderr.write(`report written to ${path}\n`);
}

/** Fractions for people: 0.4235 → 42.4%. */
export const asPercent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;
export const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
