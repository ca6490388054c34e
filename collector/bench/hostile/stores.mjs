// The stores behind the sinks, read directly (not through the collector) to see what landed:
// PostgreSQL, MariaDB, NATS JetStream on their shared 127.0.0.1 services, and a ClickHouse server
// of the bench's own. Each `open*` returns undefined with `why` when the store cannot be had.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atInterrupt } from './cleanup.mjs';
import { freePort, sleep } from './collector-process.mjs';

export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = 'mysql://root@127.0.0.1:3306/test';
export const NATS_SERVERS = '127.0.0.1:4222';
/** Where the newer builds record their table schema versions; the bench removes its own rows. */
const VERSIONS_TABLE = 'touchpoint_schema_versions';

export async function openPostgres() {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    return { why: `PostgreSQL at ${POSTGRES_URL}: ${error.message}` };
  }
  return {
    /** Rows of `table` as objects (all columns). */
    rows: async (table) => (await client.query(`SELECT * FROM ${table}`)).rows,
    async drop(table) {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      if ((await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [VERSIONS_TABLE])).rows[0].present) {
        await client.query(`DELETE FROM ${VERSIONS_TABLE} WHERE table_name = $1`, [table]);
      }
    },
    close: () => client.end(),
  };
}

export async function openMysql() {
  const mysql = await import('mysql2/promise');
  let connection;
  try {
    connection = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 3000 });
  } catch (error) {
    return { why: `MariaDB at ${MYSQL_URL}: ${error.message}` };
  }
  return {
    /** Rows with the timestamp as MariaDB holds it (text, no time zone applied) and JSON as text. */
    async rows(table) {
      const [rows] = await connection.query(`SELECT message_id, anonymous_id, event, CAST(timestamp AS CHAR) AS ts, properties FROM ${table}`);
      return rows;
    },
    async drop(table) {
      await connection.query(`DROP TABLE IF EXISTS ${table}`);
      await connection.query(`DELETE FROM ${VERSIONS_TABLE} WHERE table_name = ?`, [table]).catch(() => {}); // no such table in older builds
    },
    close: () => connection.end(),
  };
}

/** A JetStream stream of the bench's own, created before the collector starts (the sink then finds it). */
export async function openNats(stream, subjectPrefix, { maxMessageBytes }) {
  const [{ connect }, { jetstreamManager }] = await Promise.all([import('@nats-io/transport-node'), import('@nats-io/jetstream')]);
  let nc;
  try {
    nc = await connect({ servers: NATS_SERVERS, timeout: 3000 });
  } catch (error) {
    return { why: `NATS at ${NATS_SERVERS}: ${error.message}` };
  }
  let jsm;
  try {
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${subjectPrefix}.>`], max_msg_size: maxMessageBytes });
  } catch (error) {
    await nc.close();
    return { why: `NATS stream ${stream}: ${error.message}` };
  }
  return {
    /** Every message in the stream, parsed. */
    async messages() {
      const { state } = await jsm.streams.info(stream);
      const out = [];
      for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
        const message = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
        if (message) out.push(message.json());
      }
      return out;
    },
    async close() {
      await jsm.streams.delete(stream).catch(() => {});
      await nc.close();
    },
  };
}

/**
 * Debian's ClickHouse (18.16) on a folder and ports of its own — the interserver port included, so
 * it never meets another instance on this machine. The flags are those of
 * `collector/sinks/clickhouse-server.test-support.ts` (TypeScript, which this script cannot import).
 */
export async function startClickHouse() {
  const dir = mkdtempSync(join(tmpdir(), 'tp-hostile-clickhouse-'));
  const [http, tcp, interserver] = [await freePort(), await freePort(), await freePort()];
  const server = spawn(
    'clickhouse-server',
    [
      '--config-file=/etc/clickhouse-server/config.xml',
      '--',
      `--path=${dir}/`,
      `--tmp_path=${dir}/tmp/`,
      `--user_files_path=${dir}/user_files/`,
      `--format_schema_path=${dir}/format_schemas/`,
      `--http_port=${http}`,
      `--tcp_port=${tcp}`,
      `--interserver_http_port=${interserver}`,
      '--listen_host=127.0.0.1',
      `--logger.log=${dir}/server.log`,
      `--logger.errorlog=${dir}/error.log`,
    ],
    { stdio: 'ignore', cwd: dir },
  );
  let spawnError;
  server.once('error', (error) => (spawnError = error));
  const url = `http://127.0.0.1:${http}`;
  const query = async (sql) => {
    const res = await fetch(`${url}/`, { method: 'POST', body: sql });
    const text = await res.text();
    if (!res.ok) throw new Error(text.trim());
    return text;
  };
  const stop = async () => {
    forget();
    if (server.exitCode === null && !spawnError) {
      server.kill('SIGTERM');
      await Promise.race([new Promise((done) => server.once('exit', done)), sleep(10_000).then(() => server.kill('SIGKILL'))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const forget = atInterrupt(stop);
  const deadline = Date.now() + 30_000;
  while ((await query('SELECT 1').catch(() => '')) !== '1\n') {
    if (spawnError || server.exitCode !== null || Date.now() > deadline) {
      await stop();
      return { why: `ClickHouse did not start: ${spawnError?.message ?? `exit code ${server.exitCode}`}` };
    }
    await sleep(200);
  }
  return {
    url,
    /** The message ids in `table`, after merging replicas of a row (FINAL). */
    async messageIds(table) {
      const text = await query(`SELECT message_id FROM default.${table} FINAL FORMAT TabSeparated`).catch(() => '');
      return text.split('\n').filter(Boolean);
    },
    close: stop,
  };
}
