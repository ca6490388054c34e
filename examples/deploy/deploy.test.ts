import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { parse as parseJsonc } from 'jsonc-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../collector/config';
import { freePort } from '../../collector/free-port.test-support';
import { packageRoot } from '../../collector/package-root';
import { startClickHouse, type ClickHouseServer } from '../../collector/sinks/clickhouse-server.test-support';
import { buildStages, inStage, readDockerfile, stageEnv, type Stage } from './dockerfile.test-support';

/*
 * The deployment files, checked where no Docker daemon runs (and systemd is not PID 1): each is
 * parsed and held to what it must say, and what they run is run. The Dockerfile's stages are built
 * in stand-in folders (dockerfile.test-support.ts), its CMD is started with its ENV and its
 * HEALTHCHECK run against it; compose's collectors run that same command with their config file
 * (hosts pointed at Redis, NATS and a ClickHouse on 127.0.0.1) behind a forwarding proxy doing what
 * haproxy.cfg says; the unit goes through `systemd-analyze verify`. Only PORT, HOST and the admin
 * port differ from the files: this machine is shared, so the test listens on loopback, on free ports.
 */
const exec = promisify(execFile);
const HERE = import.meta.dirname;
const ROOT = packageRoot();
const DOCKERFILE = readFileSync(join(HERE, 'Dockerfile'), 'utf8');
const COMPOSE = parseYaml(readFileSync(join(HERE, 'compose.yaml'), 'utf8'), { merge: true }) as Compose;
const UNIT = parseUnit(readFileSync(join(HERE, 'touchpoint-collector.service'), 'utf8'));
const HAPROXY = readFileSync(join(HERE, 'haproxy.cfg'), 'utf8')
  .split('\n')
  .map((l) => l.replace(/#.*/, '').trim())
  .filter(Boolean);
const run = `d${process.pid}x${Date.now()}`;

interface ComposeService {
  build?: { context: string; dockerfile: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

/** A systemd unit: each section's settings in order (a key may repeat). */
function parseUnit(text: string): Record<string, [string, string][]> {
  const sections: Record<string, [string, string][]> = {};
  let current: [string, string][] | undefined;
  for (const line of text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())) {
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) sections[section[1]!] = current = [];
    else if (current && line.includes('=')) current.push([line.slice(0, line.indexOf('=')).trim(), line.slice(line.indexOf('=') + 1).trim()]);
    else throw new Error(`not a unit file line: ${line}`);
  }
  return sections;
}
const unitValues = (section: string, key: string) => (UNIT[section] ?? []).filter(([k]) => k === key).map(([, v]) => v);
const unitValue = (section: string, key: string) => unitValues(section, key).at(-1);

const stagesIn = (buildDir: string) => readDockerfile(DOCKERFILE, buildDir);
const runtimeOf = (stages: Stage[]) => stages.at(-1)!;
const collectorServices = () =>
  Object.entries(COMPOSE.services).filter(
    ([, s]) => s.build && posix.normalize(posix.join(s.build.context, s.build.dockerfile)) === '../../examples/deploy/Dockerfile',
  );
/** A compose bind mount's host file, by where it is mounted. */
const boundFile = (service: ComposeService, target: string) => {
  const mount = service.volumes?.map((v) => v.split(':')).find(([, to]) => to === target);
  return mount && mount[0]!.startsWith('./') ? join(HERE, mount[0]!) : undefined;
};
const hostOf = (address: string) => new URL(address.includes('://') ? address : `tcp://${address}`).hostname;

interface Running {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}
function start(command: string[], cwd: string, env: Record<string, string>): Running {
  const child = spawn(command[0]!, command.slice(1), { cwd, env });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}
async function waitForStatus(url: string, status: number, server: Running) {
  const deadline = Date.now() + 30_000;
  while (
    (await fetch(url).then(
      (r) => r.status,
      () => 0,
    )) !== status
  ) {
    if (Date.now() > deadline || server.child.exitCode !== null) throw new Error(`${url} never answered ${status}:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const stop = async (server: Running) => {
  server.child.kill('SIGTERM');
  return server.exited;
};
/** POSTs from a given loopback address (undici's fetch cannot choose it), and reads the JSON answer. */
const postFrom = (localAddress: string, port: number, path: string, headers: Record<string, string>, body: string) =>
  new Promise<unknown>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', localAddress, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end(body);
  });
/** The machine's own environment for what the files run: PATH (node, npm) and npm's cache. */
const baseEnv = () => ({ PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root' });

describe('the Dockerfile', () => {
  const stages = stagesIn('/build');
  const [build, runtime] = [stages[0]!, runtimeOf(stages)];
  const runs = (stage: Stage) => stage.steps.flatMap((s) => (s.kind === 'run' ? [s.command] : []));

  it('builds in one stage with dev dependencies, and runs from another with production dependencies and what the build made', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(runs(build)).toEqual(['npm ci --no-audit --no-fund', 'npm run build']);
    expect(runs(runtime).some((command) => command.startsWith('npm ci --omit=dev'))).toBe(true);
    expect(runs(runtime).join('\n')).not.toContain('npm run build');
    const fromBuild = runtime.steps.flatMap((s) => (s.kind === 'copy' && s.from === 'build' ? s.sources : []));
    expect(fromBuild).toEqual(['/src/dist', '/src/examples/shop']);
    expect(readFileSync(join(HERE, 'Dockerfile.dockerignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['**/node_modules', 'dist', '.git']));
  });

  it('runs as a numeric non-root user, owns its data volume, exposes its port, checks health with node, drains on SIGTERM', () => {
    expect(runtime.user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    const dataDir = runtime.env.TOUCHPOINT_DATA_DIR!;
    expect(runtime.volumes).toEqual([dataDir]);
    // The data folder is chowned to the user, from inside it (the stand-in build runs only relative paths).
    expect(runtime.steps).toContainEqual(expect.objectContaining({ kind: 'run', workdir: dataDir, command: `chown ${runtime.user} .` }));
    expect(runtime.expose).toEqual([runtime.env.PORT]);
    expect(runtime.env.HOST).toBe('0.0.0.0'); // reachable from outside the container
    expect(runtime.healthcheck!.command[0]).toBe('node'); // the slim image has no curl
    expect(runtime.healthcheck!.command.join(' ')).toContain('/healthz');
    expect(Object.keys(runtime.healthcheck!.flags).sort()).toEqual(['interval', 'retries', 'start-period', 'timeout']);
    expect(runtime.stopSignal).toBe('SIGTERM');
    expect(runtime.cmd).toEqual(['node', 'dist/collector/server.js']); // exec form: node gets the signal itself
  });
});

describe('the systemd unit', () => {
  it('runs the same command as the image, as a dynamic user with its own state folder, hardened', () => {
    const [node, ...args] = unitValue('Service', 'ExecStart')!.split(/\s+/);
    expect(posix.basename(node!)).toBe('node');
    expect(args).toEqual(runtimeOf(stagesIn('/build')).cmd!.slice(1));
    expect(unitValue('Service', 'Type')).toBe('simple');
    expect(unitValue('Service', 'DynamicUser')).toBe('yes');
    const state = unitValue('Service', 'StateDirectory')!;
    const environment = unitValues('Service', 'Environment');
    expect(environment).toContain(`TOUCHPOINT_DATA_DIR=%S/${state}`);
    const [credential] = unitValue('Service', 'LoadCredential')!.split(':');
    expect(environment).toContain(`TOUCHPOINT_CONFIG=%d/${credential}`);
    expect(unitValue('Service', 'EnvironmentFile')).toMatch(/^-\//); // optional
    expect(unitValue('Service', 'Restart')).toBe('on-failure');
    expect(unitValue('Service', 'KillSignal')).toBe('SIGTERM');
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      CapabilityBoundingSet: '',
    })) {
      expect(unitValue('Service', key), key).toBe(value);
    }
    expect(unitValue('Install', 'WantedBy')).toBe('multi-user.target');
  });

  const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
  // systemd-analyze comes with systemd; where it is missing, this one check cannot run.
  it.skipIf(!analyze)('passes systemd-analyze verify without a warning', async () => {
    // verify exits 0 on settings it ignores, so its warnings must be read too.
    const { stdout, stderr } = await exec('systemd-analyze', ['verify', join(HERE, 'touchpoint-collector.service')]).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(`${stdout}${stderr}`).toBe('');
  });
});

describe('the compose file', () => {
  const collectors = collectorServices();
  const runtime = runtimeOf(stagesIn('/build'));

  it('runs two collectors from the Dockerfile, each with its own data volume and the same config file', () => {
    expect(collectors.map(([name]) => name)).toEqual(['collector-1', 'collector-2']);
    const volumes = collectors.map(([, service]) => service.volumes!.find((v) => v.endsWith(`:${runtime.env.TOUCHPOINT_DATA_DIR}`))!.split(':')[0]);
    expect(new Set(volumes).size).toBe(2);
    for (const volume of volumes) expect(COMPOSE.volumes).toHaveProperty(volume!);
    for (const [, service] of collectors) {
      expect(service.command).toBeUndefined(); // the image's CMD
      expect(service.stop_grace_period).toBe('30s');
      expect(existsSync(boundFile(service, service.environment!.TOUCHPOINT_CONFIG!)!)).toBe(true);
    }
  });

  it('starts nothing before what it depends on is healthy', () => {
    const healthy = (name: string) => Boolean(COMPOSE.services[name]!.healthcheck) || collectors.some(([c]) => c === name); // collectors: the image's HEALTHCHECK
    for (const [name, service] of Object.entries(COMPOSE.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(condition, `${name} → ${dependency}`).toBe('service_healthy');
        expect(healthy(dependency), `${dependency} has a health check`).toBe(true);
      }
    }
    expect(Object.keys(COMPOSE.services.proxy!.depends_on!)).toEqual(collectors.map(([name]) => name));
  });

  it('puts HAProxy in front: each collector a server checked on /readyz, X-Forwarded-For added, and the collectors trust one proxy', () => {
    const proxy = COMPOSE.services.proxy!;
    expect(existsSync(boundFile(proxy, '/usr/local/etc/haproxy/haproxy.cfg')!)).toBe(true);
    const servers = HAPROXY.filter((l) => l.startsWith('server ')).map((l) => l.split(/\s+/).slice(1, 4));
    expect(servers).toEqual(collectors.map(([name]) => [name, `${name}:${runtime.env.PORT}`, 'check']));
    expect(HAPROXY).toContain('option httpchk GET /readyz');
    expect(HAPROXY).toContain('option forwardfor');
    const config = loadConfig({ TOUCHPOINT_CONFIG: join(HERE, 'collector.jsonc') });
    expect(config.trustProxy).toBe(1);
  });

  it("configures the collectors for the compose services: its config passes the collector's own validation", () => {
    const config = loadConfig({ TOUCHPOINT_CONFIG: join(HERE, 'collector.jsonc') });
    expect(COMPOSE.services).toHaveProperty(hostOf(config.redis!.url));
    const nats = config.sinks.find((s) => s.type === 'nats')!;
    const clickhouse = config.sinks.find((s) => s.type === 'clickhouse')!;
    expect(COMPOSE.services).toHaveProperty(hostOf(String(nats.type === 'nats' && nats.servers)));
    if (clickhouse.type !== 'clickhouse') throw new Error('no ClickHouse sink');
    const server = COMPOSE.services[hostOf(clickhouse.url)]!;
    expect(server.environment).toMatchObject({
      CLICKHOUSE_DB: clickhouse.database,
      CLICKHOUSE_USER: clickhouse.user,
      CLICKHOUSE_PASSWORD: clickhouse.password,
    });
  });
});

describe('what the files run', () => {
  let buildDir: string;
  let stages: Stage[];
  let runtime: Stage;
  const running: Running[] = [];
  beforeAll(async () => {
    buildDir = await mkdtemp(join(tmpdir(), 'tp-image-'));
    // The build context: the repository's files as git lists them (tracked and new, not ignored),
    // which leaves out what Dockerfile.dockerignore does (node_modules, dist, data).
    const context = join(buildDir, 'context');
    const { stdout } = await exec('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    for (const file of stdout.split('\0').filter((f) => f && existsSync(join(ROOT, f)))) {
      await mkdir(dirname(join(context, file)), { recursive: true });
      await cp(join(ROOT, file), join(context, file));
    }
    stages = stagesIn(buildDir);
    runtime = runtimeOf(stages);
    // npm's cache on this machine spares the registry; the commands are the Dockerfile's own.
    await buildStages(stages, context, { ...baseEnv(), npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' });
  }, 1_800_000); // two installs and a build: 5 to 10 minutes here, more when the machine is shared
  afterAll(async () => {
    for (const child of running) child.child.kill('SIGKILL');
    if (buildDir) await rm(buildDir, { recursive: true, force: true });
  });

  it("the image holds production dependencies (the sinks' drivers among them), not the build's", async () => {
    const modules = await readdir(inStage(runtime, '/app/node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['hono', 'pino', 'pg', 'ioredis', '@nats-io']));
    for (const dev of ['typescript', 'vitest', 'rollup', '@playwright']) expect(modules).not.toContain(dev);
    expect(existsSync(inStage(runtime, '/app/dist/collector/server.js'))).toBe(true);
  });

  it('CMD serves with the image ENV; HEALTHCHECK passes while it runs and fails once SIGTERM has drained it', async () => {
    const port = String(await freePort());
    const env = { ...baseEnv(), ...stageEnv(runtime), PORT: port, HOST: '127.0.0.1' };
    const collector = start(runtime.cmd!, inStage(runtime, runtime.workdir), env);
    running.push(collector);
    await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, collector);
    const healthcheck = () =>
      exec(runtime.healthcheck!.command[0]!, runtime.healthcheck!.command.slice(1), { env }).then(
        () => 0,
        (error: { code: number }) => error.code,
      );
    expect(await healthcheck()).toBe(0);
    const res = await fetch(`http://127.0.0.1:${port}/v1/track`, {
      method: 'POST',
      headers: { 'x-write-key': 'demo' },
      body: JSON.stringify({ anonymousId: 'a', event: 'Docker' }),
    });
    expect(res.status).toBe(200);
    // The data folder is the image's volume.
    expect(await readdir(inStage(runtime, join(runtime.env.TOUCHPOINT_DATA_DIR!, 'events')))).toHaveLength(1);
    expect(await stop(collector)).toBe(0);
    expect(collector.output()).toContain('collector stopped');
    expect(await healthcheck()).toBe(1);
  });

  describe('compose: two collectors behind the proxy, sharing Redis, publishing to NATS and ClickHouse', () => {
    let clickhouse: ClickHouseServer;
    let proxy: Server;
    let proxyPort: number;
    const collectors: { name: string; port: number; running: Running }[] = [];
    const hits = new Map<string, number>();
    const natsStream = `TP_${run}`;

    beforeAll(async () => {
      clickhouse = await startClickHouse();
      const composeConfig = loadConfig({ TOUCHPOINT_CONFIG: join(HERE, 'collector.jsonc') });
      const chSink = composeConfig.sinks.find((s) => s.type === 'clickhouse');
      if (chSink?.type !== 'clickhouse') throw new Error('no ClickHouse sink');
      await clickhouse.query(`CREATE DATABASE ${chSink.database}`);
      // The compose config with its hosts pointed at this machine's services (the test ClickHouse's
      // default user has no password) and a NATS stream of this run's own.
      const raw = parseJsonc(readFileSync(join(HERE, 'collector.jsonc'), 'utf8')) as { redis: { url: string }; sinks: Record<string, unknown>[] };
      const local: Record<string, string> = { redis: '127.0.0.1:6379', nats: '127.0.0.1:4222', clickhouse: new URL(clickhouse.url).host };
      raw.redis.url = raw.redis.url.replace(/\/\/([^/:]+):\d+/, (_, host: string) => `//${local[host]}`);
      raw.sinks = raw.sinks.map((sink) => {
        if (sink.type === 'nats') return { ...sink, servers: local[hostOf(String(sink.servers))], stream: natsStream, subjectPrefix: run };
        if (sink.type === 'clickhouse') return { ...sink, url: `http://${local[hostOf(String(sink.url))]}`, user: undefined, password: undefined };
        return sink;
      });
      const configFile = join(buildDir, 'collector.json');
      await writeFile(configFile, JSON.stringify(raw));

      for (const [name, service] of collectorServices()) {
        const port = await freePort();
        const dataDir = join(buildDir, 'volumes', name); // its named volume
        const env = {
          ...baseEnv(),
          ...stageEnv(runtime),
          ...service.environment,
          TOUCHPOINT_CONFIG: configFile, // mounted at service.environment.TOUCHPOINT_CONFIG
          TOUCHPOINT_DATA_DIR: dataDir,
          PORT: String(port),
          HOST: '127.0.0.1',
          TOUCHPOINT_ADMIN_PORT: String(await freePort()),
        };
        const collector = start(service.command ?? runtime.cmd!, inStage(runtime, runtime.workdir), env);
        running.push(collector);
        collectors.push({ name, port, running: collector });
      }
      for (const { port, running: collector } of collectors) await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, collector);

      // HAProxy's part (haproxy.cfg): round robin, X-Forwarded-For with the client's address
      // appended. It reaches the collectors from 127.0.2.1, so that the address the collectors
      // must pick (the client's, 127.0.1.1) differs from the one they see.
      let next = 0;
      proxy = createServer((req, res) => {
        const target = collectors[next++ % collectors.length]!;
        hits.set(target.name, (hits.get(target.name) ?? 0) + 1);
        const forwarded = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
        const upstream = httpRequest(
          {
            host: '127.0.0.1',
            port: target.port,
            localAddress: '127.0.2.1',
            method: req.method,
            path: req.url,
            headers: { ...req.headers, 'x-forwarded-for': forwarded },
          },
          (answer) => {
            res.writeHead(answer.statusCode!, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => res.writeHead(502).end());
        req.pipe(upstream);
      });
      proxyPort = await freePort();
      await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
    }, 120_000);

    afterAll(async () => {
      if (proxy) await new Promise((resolve) => proxy.close(resolve));
      await Promise.all(collectors.map(({ running: collector }) => (collector.child.exitCode === null ? stop(collector) : undefined)));
      const nc = await connect({ servers: '127.0.0.1:4222' });
      await (await jetstreamManager(nc)).streams.delete(natsStream).catch(() => {});
      await nc.close();
      await clickhouse?.stop();
    });

    it('creates the ClickHouse tables at start, before any event', async () => {
      const tables = await clickhouse.query("SELECT name FROM system.tables WHERE database = 'touchpoint' ORDER BY name");
      expect(tables.trim().split('\n')).toEqual(['events', 'events_failed', 'touchpoint_schema_versions']);
    });

    it('writes an event sent through the proxy to both collectors once, with the client address the proxy saw', async () => {
      const { writeKeys } = loadConfig({ TOUCHPOINT_CONFIG: join(HERE, 'collector.jsonc') });
      const browserKey = writeKeys.find((k) => k.kind === 'browser')!.key;
      const ids = Array.from({ length: 5 }, (_, i) => `${run}-${i}`);
      // A client claiming another address: with one trusted proxy, the collector takes the proxy's entry.
      const send = () =>
        postFrom(
          '127.0.1.1',
          proxyPort,
          '/v1/batch',
          { 'x-write-key': browserKey, 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
          JSON.stringify({ batch: ids.map((messageId) => ({ type: 'track', event: 'Deployed', anonymousId: 'a-deploy', messageId })) }),
        );
      expect(await send()).toMatchObject({ accepted: 5, duplicates: 0 });
      expect(await send()).toMatchObject({ accepted: 0, duplicates: 5 }); // the other collector, told by Redis
      expect([...hits.values()]).toEqual([1, 1]);

      await expect.poll(() => clickhouse.query(`SELECT count() FROM touchpoint.events WHERE anonymous_id = 'a-deploy'`), { timeout: 15_000 }).toBe('5\n');
      const context = JSON.parse((await clickhouse.query(`SELECT context FROM touchpoint.events WHERE message_id = '${ids[0]}'`)).trim()) as { ip?: string };
      expect(context.ip).toBe('127.0.1.0'); // the client's, anonymised: not the proxy's (127.0.2.x), not the claimed one
      const nc = await connect({ servers: '127.0.0.1:4222' });
      try {
        const jsm = await jetstreamManager(nc);
        await expect.poll(async () => (await jsm.streams.info(natsStream)).state.messages, { timeout: 15_000 }).toBe(5);
      } finally {
        await nc.close();
      }
    });

    it('each collector drains and stops on SIGTERM', async () => {
      for (const { running: collector } of collectors) {
        expect(await stop(collector)).toBe(0);
        expect(collector.output()).toContain('collector stopped');
      }
    });
  });
});
