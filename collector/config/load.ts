import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import { formatIssues } from '../../sdk/protocol/schemas';
import { collectorSettingsSchema, type CollectorSettings, type CollectorSettingsInput } from './schema';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/**
 * Settings from the JSON file named by TOUCHPOINT_CONFIG (if any; comments and trailing commas are
 * allowed, JSONC), then the environment on top. Relative paths in the file are relative to the
 * file's folder; in the environment, to the working directory. Anything wrong stops start-up with
 * a message naming the variable or the file and path.
 */
export function loadConfig(env: Env = process.env): CollectorSettings {
  const file = env.TOUCHPOINT_CONFIG?.trim();
  const fromFile = file ? resolvePaths(readConfigFile(file), dirname(resolve(file))) : {};
  const merged = { ...fromFile, ...fromEnv(env, fromFile) };
  refuseRenamed(merged, file ? `config ${file}` : 'config');
  const result = collectorSettingsSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(`${file ? `config ${file}` : 'config'}: ${formatIssues(result.error)}`);
  return result.data;
}

/** Validates settings given in code (embedding), with the same messages as the file. */
export function parseSettings(input: CollectorSettingsInput): CollectorSettings {
  refuseRenamed(input, 'config');
  const result = collectorSettingsSchema.safeParse(input);
  if (!result.success) throw new ConfigError(`config: ${formatIssues(result.error as z.ZodError)}`);
  return result.data;
}

/** Settings of earlier versions, refused with what to write instead. */
function refuseRenamed(input: object, where: string) {
  if ('spool' in input) {
    throw new ConfigError(
      `${where}: "spool" is now "log" (the durable log is the data folder's NDJSON parts): maxBytes became maxLagBytes, ack "spool" became "log", and dir and segmentBytes are gone`,
    );
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`TOUCHPOINT_CONFIG: cannot read ${path}: ${(error as Error).message}`);
  }
  const errors: ParseError[] = [];
  const parsed: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const { error, offset } = errors[0]!;
    const line = text.slice(0, offset).split('\n').length;
    const column = offset - text.lastIndexOf('\n', offset - 1);
    throw new ConfigError(`TOUCHPOINT_CONFIG: ${path} is not valid JSON: ${printParseErrorCode(error)} at line ${line}, column ${column}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`TOUCHPOINT_CONFIG: ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** The file's paths, made absolute from its folder: the same config works from any working directory. */
function resolvePaths(config: Record<string, unknown>, folder: string): Record<string, unknown> {
  const at = (value: unknown) => (typeof value === 'string' && value !== '' && !isAbsolute(value) ? resolve(folder, value) : value);
  const out = { ...config };
  for (const key of ['dataDir', 'trackingPlan'] as const) if (key in out) out[key] = at(out[key]);
  if (isRecord(out.geo) && 'database' in out.geo) out.geo = { ...out.geo, database: at(out.geo.database) };
  if (Array.isArray(out.sinks)) out.sinks = out.sinks.map((sink: unknown) => (isRecord(sink) && 'dir' in sink ? { ...sink, dir: at(sink.dir) } : sink));
  return out;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function fromEnv(env: Env, file: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const port = text('PORT');
  if (port !== undefined) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      throw new ConfigError(`PORT must be an integer from 1 to 65535, got ${JSON.stringify(env.PORT)}`);
    }
    out.port = n;
  }
  if (text('HOST')) out.host = text('HOST');
  if (text('TOUCHPOINT_DATA_DIR')) out.dataDir = text('TOUCHPOINT_DATA_DIR');
  const level = text('LOG_LEVEL')?.toLowerCase();
  if (level) {
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
      throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got ${JSON.stringify(env.LOG_LEVEL)}`);
    }
    out.logLevel = level;
  }
  const proxy = text('TOUCHPOINT_TRUST_PROXY')?.toLowerCase();
  if (proxy !== undefined) {
    if (!/^(true|false|\d{1,2})$/.test(proxy) || Number(proxy) > 16) {
      throw new ConfigError(
        `TOUCHPOINT_TRUST_PROXY must be true, false or a number of proxies from 0 to 16, got ${JSON.stringify(env.TOUCHPOINT_TRUST_PROXY)}`,
      );
    }
    out.trustProxy = proxy === 'true' ? 1 : proxy === 'false' ? 0 : Number(proxy);
  }
  const adminPort = text('TOUCHPOINT_ADMIN_PORT');
  const adminToken = text('TOUCHPOINT_ADMIN_TOKEN');
  if (adminPort !== undefined || adminToken !== undefined) {
    const admin: Record<string, unknown> = { ...(file.admin as object | undefined) };
    if (adminPort !== undefined) {
      const n = Number(adminPort);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        throw new ConfigError(`TOUCHPOINT_ADMIN_PORT must be an integer from 0 to 65535, got ${JSON.stringify(env.TOUCHPOINT_ADMIN_PORT)}`);
      }
      admin.port = n;
    }
    if (adminToken !== undefined) admin.token = adminToken;
    out.admin = admin;
  }
  const keys = (env.TOUCHPOINT_WRITE_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (keys.length > 0) {
    const bad = keys.find((k) => k.length > 256 || /[\s:]/.test(k));
    if (bad !== undefined) {
      throw new ConfigError(`TOUCHPOINT_WRITE_KEYS: a key may not hold spaces or ':' or exceed 256 characters, got ${JSON.stringify(bad)}`);
    }
    const fileKeys = Array.isArray(file.writeKeys) ? file.writeKeys : [];
    out.writeKeys = [...fileKeys, ...keys.map((key) => ({ key }))];
  }
  const redis = text('TOUCHPOINT_REDIS_URL');
  if (redis) out.redis = { url: redis };
  return out;
}
