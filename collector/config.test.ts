import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from './config';

describe('configFromEnv', () => {
  it('has defaults for an empty environment', () => {
    expect(configFromEnv({})).toEqual({ port: 8080, host: '0.0.0.0', dataDir: './data', writeKeys: [], trustProxy: false, logLevel: 'info' });
  });

  it('reads every variable', () => {
    const config = configFromEnv({
      PORT: '9000',
      HOST: '127.0.0.1',
      TOUCHPOINT_DATA_DIR: '/var/lib/tp',
      TOUCHPOINT_WRITE_KEYS: ' web , ,server-1,',
      TOUCHPOINT_TRUST_PROXY: 'true',
      LOG_LEVEL: 'WARN',
    });
    expect(config).toEqual({ port: 9000, host: '127.0.0.1', dataDir: '/var/lib/tp', writeKeys: ['web', 'server-1'], trustProxy: true, logLevel: 'warn' });
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT must be an integer/],
    [{ PORT: '70000' }, /^PORT/],
    [{ PORT: '80.5' }, /^PORT/],
    [{ TOUCHPOINT_WRITE_KEYS: 'a,b c' }, /^TOUCHPOINT_WRITE_KEYS/],
    [{ TOUCHPOINT_TRUST_PROXY: 'yes please' }, /^TOUCHPOINT_TRUST_PROXY/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL/],
  ])('rejects %j with an error naming the variable', (env, message) => {
    expect(() => configFromEnv(env)).toThrow(ConfigError);
    expect(() => configFromEnv(env)).toThrow(message);
  });
});
