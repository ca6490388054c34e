import type { SinkConfig } from '../config';
import { importOptional } from '../optional-import';
import { clickhouseString } from '../sinks/clickhouse';
import { tableFor } from '../sinks';
import type { Person } from './person';

type TableSinkConfig = Extract<SinkConfig, { type: 'postgres' | 'mysql' | 'clickhouse' }>;

/** One DELETE for one table of a SQL sink: parameterised to run, and with its values quoted to print. */
export interface TableDelete {
  sink: string;
  type: TableSinkConfig['type'];
  table: string;
  sql: string;
  params: unknown[];
  /** The statement with its values as literals, quoted by the driver's own escaping. */
  text: string;
}

const isTableSink = (config: SinkConfig): config is TableSinkConfig => config.type === 'postgres' || config.type === 'mysql' || config.type === 'clickhouse';

/** What a failed record's text holds when it is the person's: `"userId":"…"` as JSON writes it. */
const failedNeedles = (person: Person) =>
  (['userId', 'anonymousId'] as const).flatMap((kind) => [...person.keys[kind]].map((id) => `"${kind}":${JSON.stringify(id)}`));

const jsonPath = (path: string) => path.split('.');

/**
 * The DELETE statements that take the person's rows out of the configured SQL sinks' tables
 * (events and bots by `user_id`, `anonymous_id` and the e-mail paths of `raw`; failed records by
 * the ids in their text). Every value is a parameter (PostgreSQL, MySQL) or a literal escaped as
 * ClickHouse 18 reads it (it has no query parameters): an id cannot change the statement.
 */
export async function deleteStatements(configs: readonly SinkConfig[], person: Person): Promise<TableDelete[]> {
  const statements: TableDelete[] = [];
  const users = [...person.keys.userId];
  const anonymous = [...person.keys.anonymousId];
  const emails = [...person.keys.email];
  for (const [index, config] of configs.entries()) {
    if (!isTableSink(config)) continue;
    const sink = config.name ?? `${config.type}${index === 0 ? '' : `-${index}`}`;
    for (const stream of config.streams) {
      const table = tableFor(config.table, stream);
      const failed = stream === 'failed';
      const needles = failedNeedles(person);
      if (failed ? needles.length === 0 : users.length + anonymous.length + emails.length === 0) continue;
      if (config.type === 'postgres') {
        const { escapeLiteral } = (await importOptional(() => import('pg'), 'pg', 'forgetting in the PostgreSQL sink')).default;
        const params: unknown[] = [];
        const p = (value: unknown) => `$${params.push(value)}`;
        const where = failed
          ? needles.map((n) => `position(${p(n)} in event) > 0`)
          : [
              ...(users.length ? [`user_id = ANY(${p(users)}::text[])`] : []),
              ...(anonymous.length ? [`anonymous_id = ANY(${p(anonymous)}::text[])`] : []),
              ...(emails.length ? person.emailPaths.map((path) => `lower(btrim(raw #>> ${p(jsonPath(path))}::text[])) = ANY(${p(emails)}::text[])`) : []),
            ];
        const sql = `DELETE FROM "${table}" WHERE ${where.join(' OR ')}`;
        const literal = (v: unknown): string => (Array.isArray(v) ? `ARRAY[${v.map(literal).join(', ')}]` : escapeLiteral(String(v)));
        statements.push({ sink, type: config.type, table, sql, params, text: sql.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1])) });
      } else if (config.type === 'mysql') {
        const { format } = await importOptional(() => import('mysql2/promise'), 'mysql2', 'forgetting in the MySQL sink');
        const params: unknown[] = [];
        const p = (value: unknown) => (params.push(value), '?');
        const where = failed
          ? needles.map((n) => `LOCATE(${p(n)}, event) > 0`)
          : [
              ...(users.length ? [`user_id IN (${p(users)})`] : []),
              ...(anonymous.length ? [`anonymous_id IN (${p(anonymous)})`] : []),
              ...(emails.length
                ? person.emailPaths.map(
                    (path) =>
                      `LOWER(TRIM(JSON_UNQUOTE(JSON_EXTRACT(raw, ${p(
                        `$.${jsonPath(path)
                          .map((k) => JSON.stringify(k))
                          .join('.')}`,
                      )})))) IN (${p(emails)})`,
                  )
                : []),
            ];
        const sql = `DELETE FROM \`${table}\` WHERE ${where.join(' OR ')}`;
        statements.push({ sink, type: config.type, table, sql, params, text: format(sql, params as Parameters<typeof format>[1]) });
      } else {
        const list = (values: string[]) => `(${values.map(clickhouseString).join(', ')})`;
        // ClickHouse 18 has no JSON path functions: an e-mail is matched as `"email":"…"` in the raw JSON.
        const where = failed
          ? needles.map((n) => `position(event, ${clickhouseString(n)}) > 0`)
          : [
              ...(users.length ? [`user_id IN ${list(users)}`] : []),
              ...(anonymous.length ? [`anonymous_id IN ${list(anonymous)}`] : []),
              ...emails.map((e) => `positionCaseInsensitive(raw, ${clickhouseString(`"email":${JSON.stringify(e)}`)}) > 0`),
            ];
        const sql = `ALTER TABLE ${config.database}.${table} DELETE WHERE ${where.join(' OR ')}`;
        statements.push({ sink, type: config.type, table, sql, params: [], text: sql });
      }
    }
  }
  return statements;
}

/** A connection to one SQL sink's database, to run its DELETEs. */
interface Connection {
  /** Runs a DELETE; how many rows it took out (ClickHouse: how many matched, its deletes run in the background). */
  delete(statement: TableDelete): Promise<number>;
  close(): Promise<void>;
}

/**
 * Connects to every sink the statements name, and checks each answers, before anything is
 * deleted anywhere: a database that is down stops the request while nothing is done yet.
 */
export async function connectSinks(configs: readonly SinkConfig[], statements: readonly TableDelete[]): Promise<Map<string, Connection>> {
  const connections = new Map<string, Connection>();
  try {
    for (const [index, config] of configs.entries()) {
      if (!isTableSink(config)) continue;
      const sink = config.name ?? `${config.type}${index === 0 ? '' : `-${index}`}`;
      if (!statements.some((s) => s.sink === sink)) continue;
      connections.set(sink, await connect(config, sink));
    }
  } catch (error) {
    await Promise.all([...connections.values()].map((c) => c.close()));
    throw error;
  }
  return connections;
}

const MISSING_TABLE = new Set(['42P01', 'ER_NO_SUCH_TABLE']);

async function connect(config: TableSinkConfig, sink: string): Promise<Connection> {
  const down = (error: unknown) => new Error(`cannot reach the ${sink} sink's database (${(error as Error).message}): nothing was forgotten`);
  if (config.type === 'postgres') {
    const { default: pg } = await importOptional(() => import('pg'), 'pg', 'forgetting in the PostgreSQL sink');
    const client = new pg.Client({ connectionString: config.url, connectionTimeoutMillis: 5000 });
    await client.connect().catch((error: unknown) => {
      throw down(error);
    });
    return {
      delete: (s) =>
        client.query(s.sql, s.params).then(
          (r) => r.rowCount ?? 0,
          (error: { code?: string }) => (MISSING_TABLE.has(error.code ?? '') ? 0 : Promise.reject(error as Error)),
        ),
      close: () => client.end().catch(() => {}),
    };
  }
  if (config.type === 'mysql') {
    const mysql = await importOptional(() => import('mysql2/promise'), 'mysql2', 'forgetting in the MySQL sink');
    const connection = await mysql.createConnection({ uri: config.url, connectTimeout: 5000 }).catch((error: unknown) => {
      throw down(error);
    });
    return {
      delete: (s) =>
        connection.query(s.sql, s.params).then(
          ([r]) => (r as { affectedRows: number }).affectedRows,
          (error: { code?: string }) => (MISSING_TABLE.has(error.code ?? '') ? 0 : Promise.reject(error as Error)),
        ),
      close: () => connection.end().catch(() => {}),
    };
  }
  const { request } = await import('undici');
  const headers: Record<string, string> = {};
  if (config.user) headers['x-clickhouse-user'] = config.user;
  if (config.password) headers['x-clickhouse-key'] = config.password;
  const run = async (query: string) => {
    const res = await request(`${config.url.replace(/\/$/, '')}/?database=${encodeURIComponent(config.database)}&query=${encodeURIComponent(query)}`, {
      method: 'POST',
      headers,
      body: '',
      headersTimeout: 10_000,
      bodyTimeout: 30_000,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`ClickHouse answered ${res.statusCode}: ${text.slice(0, 300)}`);
    return text;
  };
  await run('SELECT 1').catch((error: unknown) => {
    throw down(error);
  });
  return {
    async delete(s) {
      const exists = (await run(`EXISTS TABLE ${config.database}.${s.table}`)).trim() === '1';
      if (!exists) return 0;
      const where = s.sql.slice(s.sql.indexOf(' DELETE WHERE ') + ' DELETE WHERE '.length);
      const rows = Number((await run(`SELECT count() FROM ${config.database}.${s.table} WHERE ${where}`)).trim());
      if (rows > 0) await run(s.sql);
      return rows;
    },
    close: async () => {},
  };
}
