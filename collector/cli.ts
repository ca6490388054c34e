#!/usr/bin/env node
// `touchpoint <command>`: a table of commands, each loaded only when run (the analysis commands
// load DuckDB and replay loads Playwright, which the collector never needs). A bad argument prints
// one line and exits with 2.
import { UsageError } from './cli-args';

interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<void> }>;
}

const COMMANDS: Record<string, Command> = {
  attribution: { summary: 'conversions and revenue per channel, source or campaign', load: () => import('./analysis/cli-attribution') },
  compact: { summary: 'NDJSON parts → Parquet lake (incremental, de-duplicated)', load: () => import('./analysis/cli-compact') },
  deadletter: { summary: 'records a sink refused, by reason; --replay SINK writes them to it again', load: () => import('./cli-deadletter') },
  forget: { summary: "a data subject request: take a person's events out, suppress new ones, DELETEs for SQL sinks", load: () => import('./cli-forget') },
  funnel: { summary: 'ordered funnel over stitched persons', load: () => import('./analysis/cli-funnel') },
  micro: { summary: 'a test collector over HTTP: events in memory, query, wait, reset, faults', load: () => import('../sdk/testing/cli-micro') },
  replay: { summary: 'replay a recorded session in Chromium and diff the tracking it produces', load: () => import('../sdk/testing/replay/cli-replay') },
  rfm: { summary: 'recency, frequency, monetary scores and segments', load: () => import('./analysis/cli-rfm') },
  sessions: { summary: 'visits per channel: duration, pages, bounce rate', load: () => import('./analysis/cli-sessions') },
  sql: { summary: 'the same analysis as SQL for ClickHouse or PostgreSQL', load: () => import('./analysis/cli-sql') },
  stitch: { summary: 'identity graph: one person_id per person across devices and ids', load: () => import('./analysis/cli-stitch') },
};

const help = () =>
  `Usage: touchpoint <command> [options]   (touchpoint <command> --help for its options)\n\n${Object.entries(COMMANDS)
    .map(([name, { summary }]) => `  ${name.padEnd(12)} ${summary}`)
    .join('\n')}\n`;

const [name, ...argv] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
  process.stdout.write(help());
  process.exit(name === undefined ? 2 : 0);
}
const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
if (!command) {
  process.stderr.write(`touchpoint: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
  process.exit(2);
}
try {
  await (await command.load()).run(argv);
} catch (error) {
  process.stderr.write(`touchpoint ${name}: ${(error as Error).message}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
}
