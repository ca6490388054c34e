#!/usr/bin/env node
// `touchpoint <command>`: a table of commands, each loaded only when run (the analysis commands
// load DuckDB, an optional dependency the collector never needs). A bad argument prints one line
// and exits with 2.
import { UsageError } from './analysis/args';
import { EngineMissingError } from './analysis/engine';

interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<void> }>;
}

const COMMANDS: Record<string, Command> = {
  compact: { summary: 'NDJSON parts → Parquet lake (incremental, de-duplicated)', load: () => import('./analysis/cli-compact') },
  stitch: { summary: 'identity graph: one person_id per person across devices and ids', load: () => import('./analysis/cli-stitch') },
  funnel: { summary: 'ordered funnel over stitched persons', load: () => import('./analysis/cli-funnel') },
  attribution: { summary: 'conversions and revenue per channel, source or campaign', load: () => import('./analysis/cli-attribution') },
  sessions: { summary: 'visits per channel: duration, pages, bounce rate', load: () => import('./analysis/cli-sessions') },
  rfm: { summary: 'recency, frequency, monetary scores and segments', load: () => import('./analysis/cli-rfm') },
  sql: { summary: 'the same analysis as SQL for ClickHouse or PostgreSQL', load: () => import('./analysis/cli-sql') },
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
  if (error instanceof UsageError) {
    process.stderr.write(`touchpoint ${name}: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof EngineMissingError) {
    process.stderr.write(`touchpoint ${name}: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`touchpoint ${name}: ${(error as Error).message}\n`);
  process.exit(1);
}
