import type { Logger } from 'pino';
import type { Sink } from './sinks/sink';

export interface CollectorConfig {
  port: number;
  host: string;
  /** Root of the embedded default storage: `<dataDir>/events`, `<dataDir>/failed`. */
  dataDir: string;
  /** Accepted write keys; empty means the documented demo key `demo` only. */
  writeKeys: readonly string[];
  trustProxy: boolean;
  logLevel: string;
  /** Overrides the embedded NDJSON sinks. */
  sinks?: { events: Sink; failed: Sink };
  sdkBundlePath?: string;
  demoPagePath?: string;
  logger?: Logger;
}

export const DEMO_WRITE_KEY = 'demo';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Reads the collector's settings from environment variables; a bad value names the variable. */
export function configFromEnv(env: Record<string, string | undefined> = process.env): CollectorConfig {
  return {
    port: port(env.PORT),
    host: env.HOST?.trim() || '0.0.0.0',
    dataDir: env.TOUCHPOINT_DATA_DIR?.trim() || './data',
    writeKeys: writeKeys(env.TOUCHPOINT_WRITE_KEYS),
    trustProxy: flag('TOUCHPOINT_TRUST_PROXY', env.TOUCHPOINT_TRUST_PROXY),
    logLevel: logLevel(env.LOG_LEVEL),
  };
}

function port(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 8080;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ConfigError(`PORT must be an integer from 1 to 65535, got ${JSON.stringify(value)}`);
  }
  return n;
}

function writeKeys(value: string | undefined): string[] {
  const keys = (value ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  const bad = keys.find((k) => k.length > 256 || /[\s:]/.test(k));
  if (bad !== undefined) {
    throw new ConfigError(`TOUCHPOINT_WRITE_KEYS: a key may not hold spaces or ':' or exceed 256 characters, got ${JSON.stringify(bad)}`);
  }
  return keys;
}

function flag(name: string, value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  throw new ConfigError(`${name} must be true/false or 1/0, got ${JSON.stringify(value)}`);
}

function logLevel(value: string | undefined): string {
  const v = value?.trim().toLowerCase() || 'info';
  if (!LOG_LEVELS.has(v)) throw new ConfigError(`LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}, got ${JSON.stringify(value)}`);
  return v;
}
