import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tp-config-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, content: string) {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('loadConfig', () => {
  it('has defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      dataDir: './data',
      logLevel: 'info',
      trustProxy: 0,
      writeKeys: [],
      admin: { host: '127.0.0.1' },
      limits: { maxInflightRequests: 1024, maxUploadsPerClient: 32, headersTimeoutMs: 10_000, bodyTimeoutMs: 15_000 },
      dedup: { windowSeconds: 86_400, maxEntries: 1_000_000 },
      bots: 'flag',
      ip: { anonymize: true },
      log: { maxLagBytes: 1024 ** 3, fsync: true, ack: 'log', ackTimeoutMs: 10_000, sinkTimeoutMs: 10_000, rotateBytes: 128 * 1024 ** 2, rotateSeconds: 3600 },
      sinks: [{ type: 'ndjson', streams: ['events', 'failed', 'bots'], rotateBytes: 128 * 1024 ** 2, rotateSeconds: 3600, gzip: false }],
    });
  });

  it('reads every environment variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      TOUCHPOINT_DATA_DIR: '/var/lib/tp',
      TOUCHPOINT_WRITE_KEYS: ' web , ,server-1,',
      TOUCHPOINT_TRUST_PROXY: 'true',
      TOUCHPOINT_REDIS_URL: 'redis://127.0.0.1:6379',
      TOUCHPOINT_ADMIN_PORT: '9464',
      TOUCHPOINT_ADMIN_TOKEN: 'an-admin-token-of-32-characters!',
      LOG_LEVEL: 'WARN',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      dataDir: '/var/lib/tp',
      trustProxy: 1,
      logLevel: 'warn',
      redis: { url: 'redis://127.0.0.1:6379' },
      admin: { port: 9464, host: '127.0.0.1', token: 'an-admin-token-of-32-characters!' },
    });
    expect(loadConfig({ TOUCHPOINT_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TOUCHPOINT_TRUST_PROXY: 'false' }).trustProxy).toBe(0);
    expect(config.writeKeys.map((k) => [k.key, k.kind, k.allowedOrigins])).toEqual([
      ['web', 'browser', ['*']],
      ['server-1', 'browser', ['*']],
    ]);
  });

  it('reads a config file, with the environment on top', async () => {
    const path = await file(
      'full.json',
      JSON.stringify({
        port: 7000,
        writeKeys: [{ key: 'wk_live', name: 'shop', kind: 'browser', allowedOrigins: ['https://shop.example'], rateLimit: { eventsPerSecond: 50 } }],
        bots: 'route',
        pii: { salt: 'sixteen-chars-salt', paths: [{ path: 'traits.phone', kind: 'phone' }] },
      }),
    );
    const config = loadConfig({ TOUCHPOINT_CONFIG: path, PORT: '7001', TOUCHPOINT_WRITE_KEYS: 'extra' });
    expect(config.port).toBe(7001);
    expect(config.bots).toBe('route');
    expect(config.pii).toEqual({ salt: 'sixteen-chars-salt', paths: [{ path: 'traits.phone', kind: 'phone' }], defaultRegion: 'CN' });
    expect(config.writeKeys.map((k) => k.key)).toEqual(['wk_live', 'extra']);
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT must be an integer/],
    [{ PORT: '70000' }, /^PORT/],
    [{ PORT: '80.5' }, /^PORT/],
    [{ TOUCHPOINT_WRITE_KEYS: 'a,b c' }, /^TOUCHPOINT_WRITE_KEYS/],
    [{ TOUCHPOINT_TRUST_PROXY: 'yes please' }, /^TOUCHPOINT_TRUST_PROXY/],
    [{ TOUCHPOINT_TRUST_PROXY: '17' }, /^TOUCHPOINT_TRUST_PROXY must be true, false or a number of proxies from 0 to 16/],
    [{ TOUCHPOINT_ADMIN_PORT: 'admin' }, /^TOUCHPOINT_ADMIN_PORT must be an integer/],
    [{ TOUCHPOINT_ADMIN_TOKEN: 'short' }, /admin\.token: use an admin token of at least 16 characters/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL/],
    [{ TOUCHPOINT_REDIS_URL: 'http://x' }, /redis\.url: a redis:\/\/ or rediss:\/\/ URL/],
    [{ TOUCHPOINT_CONFIG: '/nonexistent/touchpoint.json' }, /^TOUCHPOINT_CONFIG: cannot read/],
  ])('rejects %j with an error naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each([
    ['not json', '{ port: 1', /is not valid JSON/],
    ['an array', '[]', /must hold a JSON object/],
    ['a typo', '{"prot": 8080}', /Unrecognized key: "prot"/],
    ['a bad origin', '{"writeKeys":[{"key":"k","allowedOrigins":["shop.example"]}]}', /writeKeys\.0\.allowedOrigins\.0: an origin is scheme/],
    ['a bad kind', '{"writeKeys":[{"key":"k","kind":"mobile"}]}', /writeKeys\.0\.kind/],
    ['a bad mini-program app id', '{"writeKeys":[{"key":"k","allowedMiniprograms":["wx 1"]}]}', /writeKeys\.0\.allowedMiniprograms\.0: a mini-program app id/],
    ['an empty mini-program list', '{"writeKeys":[{"key":"k","allowedMiniprograms":[]}]}', /writeKeys\.0\.allowedMiniprograms/],
    ['a retired channel group', '{"channels":{"rules":[{"group":"Mini-program Share","when":{}}]}}', /channels\.rules\.0\.group/],
    ['a short salt', '{"pii":{"salt":"x","paths":[{"path":"traits.email","kind":"email"}]}}', /pii\.salt: use a salt of at least 16/],
    ['an unknown channel group', '{"channels":{"rules":[{"group":"Carrier Pigeon","when":{}}]}}', /channels\.rules\.0\.group/],
    ['a broken channel pattern', '{"channels":{"rules":[{"group":"Email","when":{"mediumPattern":"(("}}]}}', /mediumPattern: not a valid regular expression/],
    ['a negative rate', '{"writeKeys":[{"key":"k","rateLimit":{"eventsPerSecond":-1}}]}', /rateLimit\.eventsPerSecond/],
    ['the settings of an earlier version', '{"spool":{"maxBytes":1}}', /"spool" is now "log".*maxBytes became maxLagBytes/],
    [
      'two NDJSON sinks keeping the data folder',
      '{"sinks":[{"type":"ndjson"},{"type":"ndjson","streams":["failed"]}]}',
      /sinks: only one NDJSON sink can keep the data folder/,
    ],
    ['a gzip NDJSON sink without its own dir', '{"sinks":[{"type":"ndjson","gzip":true}]}', /sinks: a gzip NDJSON sink writes a copy: give it its own dir/],
  ])('rejects a file with %s, naming the file and the path', async (name, content, message) => {
    const path = await file(`${name.replace(/\s/g, '-')}.json`, content);
    expect(() => loadConfig({ TOUCHPOINT_CONFIG: path })).toThrow(message);
  });
});
