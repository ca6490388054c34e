import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { lakePaths } from '../analysis/lake';
import type { SinkConfig } from '../config';
import { lockHolder } from '../log/lock';
import type { PiiOptions } from '../pipeline/enrich/pii';
import { sha256, suppressionFile, type IdentifierKind, type SuppressionEntry } from '../pipeline/suppression';
import { forgetInLake, linkedInLake } from './lake-rewrite';
import { blankRecords, findRecords, storedFiles } from './ndjson-files';
import { digestsOf, personOf, withLinked, type ForgetRequest } from './person';
import { connectSinks, deleteStatements } from './sql-deletes';

export interface ForgetOptions {
  dataDir: string;
  request: ForgetRequest;
  /** The collector's PII settings: identifiers are looked for as it stores them. */
  pii?: PiiOptions;
  /** The collector's sinks: the SQL ones get DELETE statements. */
  sinks: readonly SinkConfig[];
  /** Run the DELETE statements (else they are only returned, to print). */
  apply: boolean;
  /** How long a running collector takes to see the new suppression list (it polls the file each second). */
  reloadWaitMs?: number;
  now?: () => Date;
}

export interface SinkOutcome {
  sink: string;
  table: string;
  /** The statement, values quoted: it holds the identifiers, so it is printed, never audited. */
  statement: string;
  /** Rows taken out, when applied. */
  rows?: number;
  error?: string;
}

export interface ForgetReport {
  at: string;
  /** The identifiers asked for, as SHA-256 digests. */
  request: { kind: IdentifierKind; sha256: string }[];
  /** Other ids of the person found in their events: anonymous ids beside their user id or e-mail, user ids beside their e-mail. */
  linked: { userIds: string[]; anonymousIds: string[] };
  removed: {
    /** Records taken out, per stream (`deadletter/<sink>` for a sink's dead letters). */
    streams: Record<string, number>;
    files: { file: string; stream: string; records: number }[];
    lake: { file: string; rows: number }[];
    /** The identity mapping (`lake/persons/`) holds the person's ids: removed, `stitch` makes it again. */
    identityMapping: boolean;
  };
  /** Compressed NDJSON copies, which cannot be rewritten in place: the operator's to handle. */
  notRewritten: string[];
  suppression: { added: number };
  applied: boolean;
  sinks: SinkOutcome[];
}

/**
 * A data subject request: finds the person's records (and their linked ids) in the data folder's
 * NDJSON streams, dead letters and Parquet lake, and takes them out without touching anyone
 * else's; adds them to the suppression list the collector enforces on new events; makes (and with
 * `apply` runs) the DELETE statements for the SQL sinks; and appends what was done to the audit
 * log, with digests in place of identifiers. With `apply`, every database is reached before
 * anything is changed.
 */
export async function forget(o: ForgetOptions): Promise<ForgetReport> {
  const now = o.now ?? (() => new Date());
  const asked = personOf(o.request, o.pii);
  const connections = o.apply ? await connectSinks(o.sinks, await deleteStatements(o.sinks, asked)) : new Map();
  try {
    const { files, compressed } = await storedFiles(o.dataDir);

    // Their devices: anonymous ids on events that carry their user id or e-mail.
    const linked = { userIds: new Set<string>(), anonymousIds: new Set<string>() };
    for (const { path } of files) {
      await findRecords(path, asked, ({ kind, userId, anonymousId }) => {
        if (kind !== 'anonymousId' && anonymousId !== undefined && !asked.keys.anonymousId.has(anonymousId)) linked.anonymousIds.add(anonymousId);
        if (kind === 'email' && userId !== undefined && !asked.keys.userId.has(userId)) linked.userIds.add(userId);
      });
    }
    for (const id of await linkedInLake(o.dataDir, asked)) if (!asked.keys.anonymousId.has(id)) linked.anonymousIds.add(id);
    const person = withLinked(asked, linked);

    // Suppressed first: new events stop before the old ones are looked for.
    const added = await addToSuppression(o.dataDir, digestsOf(person), now());
    if (added > 0 && (await lockHolder(join(o.dataDir, '.touchpoint.lock'))) !== undefined) await new Promise((r) => setTimeout(r, o.reloadWaitMs ?? 2500));

    const removed: ForgetReport['removed'] = { streams: {}, files: [], lake: [], identityMapping: false };
    for (const { stream, path } of files) {
      const records = await blankRecords(path, person);
      if (records === 0) continue;
      removed.streams[stream] = (removed.streams[stream] ?? 0) + records;
      removed.files.push({ file: relative(o.dataDir, path), stream, records });
    }
    removed.lake = await forgetInLake(o.dataDir, person);
    if (removed.files.length + removed.lake.length > 0) {
      const persons = lakePaths(o.dataDir).persons;
      removed.identityMapping = await rm(persons, { recursive: true }).then(
        () => true,
        () => false,
      );
    }

    const sinks: SinkOutcome[] = [];
    for (const statement of await deleteStatements(o.sinks, person)) {
      const outcome: SinkOutcome = { sink: statement.sink, table: statement.table, statement: statement.text };
      const connection = connections.get(statement.sink);
      if (connection) outcome.rows = await connection.delete(statement).catch((error: Error) => void (outcome.error = error.message));
      if (outcome.rows === undefined) delete outcome.rows;
      sinks.push(outcome);
    }

    const report: ForgetReport = {
      at: now().toISOString(),
      request: digestsOf(asked),
      linked: { userIds: [...linked.userIds], anonymousIds: [...linked.anonymousIds] },
      removed,
      notRewritten: compressed,
      suppression: { added },
      applied: o.apply,
      sinks,
    };
    await audit(o.dataDir, report);
    return report;
  } finally {
    await Promise.all([...connections.values()].map((c: { close(): Promise<void> }) => c.close()));
  }
}

/** Appends the digests not listed yet; returns how many. */
async function addToSuppression(dataDir: string, digests: { kind: IdentifierKind; sha256: string }[], at: Date): Promise<number> {
  const file = suppressionFile(dataDir);
  const listed = await readFile(file, 'utf8').catch(() => '');
  const fresh = digests.filter((d) => !listed.includes(`"${d.sha256}"`));
  if (fresh.length === 0) return 0;
  const entries = fresh.map((d): SuppressionEntry => ({ at: at.toISOString(), kind: d.kind, sha256: d.sha256 }));
  await appendFile(file, `${listed && !listed.endsWith('\n') ? '\n' : ''}${entries.map((e) => JSON.stringify(e)).join('\n')}\n`);
  return fresh.length;
}

/** One line in `<dataDir>/audit/forget.ndjson`: what was asked and done, identifiers as digests only. */
async function audit(dataDir: string, report: ForgetReport): Promise<void> {
  const { at, request, linked, removed, notRewritten, suppression, applied, sinks } = report;
  const line = {
    at,
    request,
    linked: { userIds: linked.userIds.map(sha256), anonymousIds: linked.anonymousIds.map(sha256) },
    removed,
    notRewritten,
    suppression,
    applied,
    sinks: sinks.map(({ sink, table, rows, error }) => ({ sink, table, ...(applied ? (error ? { error } : { rows }) : { printed: true }) })),
  };
  await mkdir(join(dataDir, 'audit'), { recursive: true });
  await appendFile(join(dataDir, 'audit', 'forget.ndjson'), `${JSON.stringify(line)}\n`);
}
