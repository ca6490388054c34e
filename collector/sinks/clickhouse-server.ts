import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';

export interface ClickHouseServer {
  url: string;
  /** Runs one statement over HTTP; the text of its answer, or an error with ClickHouse's message. */
  query(sql: string, body?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * For tests: Debian's ClickHouse 18.16 (installed by .ci/ensure-services.sh), started on its own
 * ports in its own temporary folder, so tests never share a server or its data.
 */
export async function startClickHouse({ httpPort, tcpPort }: { httpPort: number; tcpPort: number }): Promise<ClickHouseServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tp-clickhouse-'));
  const server = spawn(
    'clickhouse-server',
    [
      '--config-file=/etc/clickhouse-server/config.xml',
      '--',
      `--path=${dir}/`,
      `--tmp_path=${dir}/tmp/`,
      `--user_files_path=${dir}/user_files/`,
      `--format_schema_path=${dir}/format_schemas/`,
      `--http_port=${httpPort}`,
      `--tcp_port=${tcpPort}`,
      // Its own replication port too (9009 by default): two servers on one machine would collide.
      `--interserver_http_port=${tcpPort + 1}`,
      '--listen_host=127.0.0.1',
      `--logger.log=${dir}/server.log`,
      `--logger.errorlog=${dir}/error.log`,
    ],
    { stdio: 'ignore', cwd: dir },
  );
  const url = `http://127.0.0.1:${httpPort}`;
  const query = async (sql: string, body?: string) => {
    const target = body === undefined ? `${url}/` : `${url}/?query=${encodeURIComponent(sql)}`;
    const res = await request(target, { method: 'POST', body: body ?? sql });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(text);
    return text;
  };
  const deadline = Date.now() + 30_000;
  while ((await query('SELECT 1').catch(() => '')) !== '1\n') {
    if (Date.now() > deadline || server.exitCode !== null) {
      server.kill('SIGKILL');
      throw new Error(`ClickHouse did not start (see ${dir}/error.log)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    query,
    async stop() {
      server.kill('SIGTERM');
      await new Promise((resolve) => (server.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
