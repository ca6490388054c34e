import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort } from '../free-port.test-support';

export interface ClickHouseServer {
  /** The HTTP interface, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Runs one statement over HTTP (`body`: data for an INSERT); the text of its answer, or an error with ClickHouse's message. */
  query(sql: string, body?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Debian's ClickHouse 18.16 (installed by .ci/ensure-services.sh), started for a test on its own
 * folder and its own ports — every port it would open, the interserver one included, so that
 * several test files (and other checkouts) can run one each at the same time.
 */
export async function startClickHouse(): Promise<ClickHouseServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tp-clickhouse-'));
  const [http, tcp, interserver] = [await freePort(), await freePort(), await freePort()];
  const server: ChildProcess = spawn(
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
  const url = `http://127.0.0.1:${http}`;
  const query = async (sql: string, body?: string) => {
    const res = await request(body === undefined ? `${url}/` : `${url}/?query=${encodeURIComponent(sql)}`, { method: 'POST', body: body ?? sql });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(text);
    return text;
  };
  const stop = async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while ((await query('SELECT 1').catch(() => '')) !== '1\n') {
    if (Date.now() > deadline || server.exitCode !== null) {
      await stop();
      throw new Error(`ClickHouse did not start (see ${dir}/error.log)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, query, stop };
}
