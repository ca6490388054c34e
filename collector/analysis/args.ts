import { existsSync, statSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from '../cli-args';

export { parseCommandArgs, parseWithPositionals, UsageError } from '../cli-args';

export const OUTPUT_OPTIONS = {
  data: { type: 'string', default: './data' },
  json: { type: 'boolean', default: false },
  csv: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** The collector's data folder: it must exist, with an `events/` stream or a lake in it. */
export function dataFolder(path: string): string {
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new UsageError(`no data folder at ${path} (the collector's dataDir; pass --data DIR)`);
  }
  return path;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `30m`, `12h`, `7d`, `2w` (or plain seconds) → seconds. */
export function parseDuration(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhdw]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNITS[match[2] || 's']! : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 366 * 86_400) {
    throw new UsageError(`${name} must be a duration such as 30m, 12h or 7d (at most a year), got "${text}"`);
  }
  return seconds;
}

/** `YYYY-MM-DD` (UTC) → epoch milliseconds at the start of that day. */
export function parseDate(text: string, name: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (!match || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text.trim()) {
    throw new UsageError(`${name} must be a date as YYYY-MM-DD, got "${text}"`);
  }
  return ms;
}

export const MAX_STEPS = 20;

/** `"A,B,C"` → the step names, each non-empty and different. */
export function parseSteps(text: string): string[] {
  const steps = text.split(',').map((s) => s.trim());
  if (steps.length < 2 || steps.length > MAX_STEPS || steps.some((s) => s === '' || s.length > 200)) {
    throw new UsageError(`--steps must list 2 to ${MAX_STEPS} event names separated by commas, such as "Product Viewed,Order Completed", got "${text}"`);
  }
  const repeated = steps.find((s, i) => steps.indexOf(s) !== i);
  if (repeated) throw new UsageError(`--steps names "${repeated}" twice: each step is a different event`);
  return steps;
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

export function positiveInteger(text: string, name: string, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) throw new UsageError(`${name} must be an integer from 1 to ${max}, got "${text}"`);
  return value;
}

/** Names close to a misspelt one (edit distance, case-insensitive), closest first. */
export function closeMatches(name: string, known: readonly string[], limit = 3): string[] {
  const target = name.toLowerCase();
  return known
    .map((candidate) => ({ candidate, distance: editDistance(target, candidate.toLowerCase()) }))
    .filter(({ candidate, distance }) => distance <= Math.max(2, Math.floor(candidate.length / 3)) || candidate.toLowerCase().includes(target))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Refuses event names the data does not have, suggesting the close ones. */
export function requireKnownEvents(names: readonly string[], known: readonly string[]): void {
  for (const name of names) {
    if (known.includes(name)) continue;
    const close = closeMatches(name, known);
    throw new UsageError(
      known.length === 0
        ? `unknown event "${name}": there are no events in the data yet`
        : close.length
          ? `unknown event "${name}"; did you mean ${close.map((c) => `"${c}"`).join(', ')}?`
          : `unknown event "${name}"; the data has ${known
              .slice(0, 8)
              .map((c) => `"${c}"`)
              .join(', ')}${known.length > 8 ? ', …' : ''}`,
    );
  }
}
