import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from './package-root';

// The built executable, as `npm start` runs it (`npm test` builds before it runs vitest).
const SERVER = join(packageRoot(), 'dist', 'collector', 'server.js');

function run(env: Record<string, string>) {
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [SERVER], { env: { PATH: process.env.PATH, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('the collector executable', () => {
  it('refuses a bad setting with a one-line error naming it', async () => {
    const server = run({ PORT: 'eighty' });
    expect(await server.exited).toBe(1);
    expect(server.err().trim()).toBe('touchpoint-collector: PORT must be an integer from 1 to 65535, got "eighty"');
  });

  it('warns about the demo key, serves, and stops gracefully on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tp-exe-'));
    const server = run({ PORT: '18766', HOST: '127.0.0.1', TOUCHPOINT_DATA_DIR: dataDir });
    try {
      await expect.poll(() => server.out(), { timeout: 10_000 }).toContain('collector listening');
      expect(server.out()).toContain('accepting the demo key');
      const res = await fetch('http://127.0.0.1:18766/v1/page', {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('demo:').toString('base64')}` },
        body: JSON.stringify({ anonymousId: 'a1', name: 'Home' }),
      });
      expect(res.status).toBe(200);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.out()).toContain('collector stopped');
    } finally {
      server.child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
