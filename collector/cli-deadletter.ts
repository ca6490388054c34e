import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCommandArgs, UsageError } from './cli-args';
import { loadConfig } from './config';
import { openSinks } from './sinks';
import { createNdjsonSink } from './sinks/ndjson';
import { deadLetterDir, deadLetterFiles, readDeadLetters, replayDeadLetters } from './log/dead-letter';

const HELP = `Usage: touchpoint deadletter [--data DIR] [--json]
       touchpoint deadletter --replay SINK [--config FILE] [--data DIR]

Records a sink refused for what they hold (a NUL character, a value its column cannot take) are set
aside in <data>/deadletter/<sink>/ with the store's reason, while the rest flows. Without --replay:
each sink's dead letters, counted by reason. With --replay: writes a sink's dead letters to it again
(after fixing what the store refused), with the sinks of the collector's config (--config, or
TOUCHPOINT_CONFIG); what it refuses again is set aside anew, with its reason.
`;

export async function run(argv: string[]): Promise<void> {
  const values = parseCommandArgs(argv, {
    data: { type: 'string' },
    json: { type: 'boolean' },
    replay: { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values.help) return void process.stdout.write(HELP);
  const env = { ...process.env, ...(values.config !== undefined && { TOUCHPOINT_CONFIG: values.config }) };
  const dataDir = values.data ?? (values.replay !== undefined ? loadConfig(env).dataDir : './data');
  if (values.replay !== undefined) return replay(values.replay, dataDir, env);

  const root = join(dataDir, 'deadletter');
  const sinks = await readdir(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const report: { sink: string; records: number; oldest?: string; newest?: string; reasons: { reason: string; records: number }[] }[] = [];
  for (const sink of sinks.sort()) {
    const reasons = new Map<string, number>();
    let records = 0;
    let oldest: string | undefined;
    let newest: string | undefined;
    for (const file of await deadLetterFiles(deadLetterDir(dataDir, sink))) {
      for (const letter of await readDeadLetters(file)) {
        records++;
        reasons.set(letter.reason, (reasons.get(letter.reason) ?? 0) + 1);
        if (!oldest || letter.at < oldest) oldest = letter.at;
        if (!newest || letter.at > newest) newest = letter.at;
      }
    }
    if (records > 0)
      report.push({ sink, records, oldest, newest, reasons: [...reasons].sort((a, b) => b[1] - a[1]).map(([reason, n]) => ({ reason, records: n })) });
  }
  if (values.json) return void process.stdout.write(`${JSON.stringify({ sinks: report })}\n`);
  if (report.length === 0) return void process.stdout.write(`no dead letters in ${root}\n`);
  for (const { sink, records, oldest, newest, reasons } of report) {
    process.stdout.write(`${sink}: ${records} records set aside (${oldest} … ${newest})\n`);
    for (const { reason, records: n } of reasons.slice(0, 10)) process.stdout.write(`  ${String(n).padStart(8)}  ${reason}\n`);
  }
}

async function replay(name: string, dataDir: string, env: Record<string, string | undefined>) {
  const settings = loadConfig(env);
  const { consumers } = await openSinks(settings.sinks, dataDir);
  const target = consumers.find((c) => c.name === name);
  try {
    if (!target) throw new UsageError(`no sink "${name}" in the config (sinks: ${consumers.map((c) => c.name).join(', ') || 'none but the data folder'})`);
    const writer = createNdjsonSink({ dir: deadLetterDir(dataDir, name) });
    const result = await replayDeadLetters({ dir: deadLetterDir(dataDir, name), sink: target.sink, name, writer }).finally(() => writer.close());
    process.stdout.write(`${name}: ${result.written} records written, ${result.refused} refused again (set aside anew), from ${result.files} files\n`);
  } finally {
    await Promise.all(consumers.map((c) => c.sink.close()));
  }
}
