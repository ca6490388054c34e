import { dataFolder } from './analysis/args';
import { parseCommandArgs, UsageError } from './cli-args';
import { loadConfig } from './config';
import { forget, type ForgetReport } from './privacy/forget';
import type { ForgetRequest } from './privacy/person';

const HELP = `Usage: touchpoint forget (--user ID | --anonymous-id ID | --email ADDRESS)... [--apply]
                        [--config FILE] [--data DIR] [--json]

A data subject request: takes a person's records out of the data folder (the NDJSON streams, the
sinks' dead letters, the Parquet lake) without moving anyone else's, adds them to the suppression
list (DIR/suppression.ndjson, SHA-256 digests) whose new events the collector drops, and prints the
DELETE statements for the SQL sinks of the config (--config, or TOUCHPOINT_CONFIG); --apply runs
them. Anonymous ids seen on events with the person's user id or e-mail are forgotten too. E-mails
are hashed as the collector's PII settings hash them. Each request is appended to
DIR/audit/forget.ndjson, with digests in place of identifiers.
`;

const LIMITS = { user: 256, 'anonymous-id': 256, email: 320 } as const;

/** The request the options make, or a usage error naming what is wrong. */
export function requestOf(values: Partial<Record<keyof typeof LIMITS, string>>): ForgetRequest {
  for (const [name, max] of Object.entries(LIMITS)) {
    const value = values[name as keyof typeof LIMITS];
    if (value === undefined) continue;
    if (value.trim() === '') throw new UsageError(`--${name} is empty: give the id as the events carry it`);
    if (value.length > max) throw new UsageError(`--${name} is ${value.length} characters long; ids and e-mails are at most ${max}`);
  }
  if (values.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(values.email.trim()))
    throw new UsageError(`--email must be an e-mail address, got "${values.email}"`);
  if (values.user === undefined && values['anonymous-id'] === undefined && values.email === undefined) {
    throw new UsageError('whom to forget? give --user ID, --anonymous-id ID or --email ADDRESS');
  }
  return {
    ...(values.user !== undefined && { userId: values.user }),
    ...(values['anonymous-id'] !== undefined && { anonymousId: values['anonymous-id'] }),
    ...(values.email !== undefined && { email: values.email }),
  };
}

export async function run(argv: string[]): Promise<void> {
  const values = parseCommandArgs(argv, {
    user: { type: 'string' },
    'anonymous-id': { type: 'string' },
    email: { type: 'string' },
    apply: { type: 'boolean', default: false },
    config: { type: 'string' },
    data: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return void process.stdout.write(HELP);
  const request = requestOf(values);
  const settings = loadConfig({ ...process.env, ...(values.config !== undefined && { TOUCHPOINT_CONFIG: values.config }) });
  const dataDir = dataFolder(values.data ?? settings.dataDir);
  const report = await forget({ dataDir, request, pii: settings.pii, sinks: settings.sinks, apply: values.apply });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : render(report, dataDir));
  const failed = report.sinks.filter((s) => s.error);
  if (failed.length)
    throw new Error(`${failed.length} DELETE statements failed (${failed.map((f) => `${f.sink} ${f.table}: ${f.error}`).join('; ')}); the audit log says so`);
}

function render(report: ForgetReport, dataDir: string): string {
  const { removed, linked, suppression, sinks } = report;
  const lines: string[] = [];
  const linkedIds = [...linked.userIds.map((id) => `user ${id}`), ...linked.anonymousIds.map((id) => `anonymous ${id}`)];
  lines.push(`linked ids found: ${linkedIds.length ? linkedIds.join(', ') : 'none'}`);
  const streams = Object.entries(removed.streams);
  if (streams.length === 0) lines.push('no records of this person in the NDJSON files');
  for (const [stream, records] of streams) {
    const files = removed.files.filter((f) => f.stream === stream).length;
    lines.push(`${stream.padEnd(24)} ${String(records).padStart(8)} records taken out of ${files} file${files === 1 ? '' : 's'}`);
  }
  if (removed.lake.length)
    lines.push(
      `${'lake'.padEnd(24)} ${String(removed.lake.reduce((n, f) => n + f.rows, 0)).padStart(8)} rows taken out of ${removed.lake.length} Parquet file${removed.lake.length === 1 ? '' : 's'}`,
    );
  if (removed.identityMapping) lines.push('identity mapping (lake/persons) removed: the next stitch makes it again');
  for (const file of report.notRewritten) lines.push(`not rewritten (compressed): ${file}`);
  lines.push(`suppression list: ${suppression.added} identifiers added (the collector drops their new events)`);
  if (sinks.length) lines.push(report.applied ? 'SQL sinks:' : 'SQL sinks (not run; run them, or again with --apply):');
  for (const s of sinks) {
    const outcome = !report.applied ? '' : s.error ? `  -- FAILED: ${s.error}` : `  -- ${s.rows} rows`;
    lines.push(`  ${s.statement};${outcome}`);
  }
  lines.push(`audit: ${dataDir.replace(/\/$/, '')}/audit/forget.ndjson`);
  return `${lines.join('\n')}\n`;
}
