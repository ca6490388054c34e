import { eventName } from '../../../collector/pipeline/feed';
import type { TrackedEvent } from '../expectation';
import type { StepRun } from './drive';
import { pathOnOrigin } from './origin';

/** One value that differs between the recorded event and the replayed one. */
export interface Change {
  path: string;
  recorded: unknown;
  replayed: unknown;
}

export type Finding =
  | { kind: 'missing'; step: number; event: TrackedEvent }
  | { kind: 'extra'; step: number; event: TrackedEvent }
  | { kind: 'changed'; step: number; recorded: TrackedEvent; replayed: TrackedEvent; changes: Change[] };

export interface DiffOptions {
  /** Event names left out on both sides (measurements such as `Web Vital`). */
  ignoreEvents: readonly string[];
  /** Paths left out of the comparison (`properties.order_id`: made anew on every run). */
  ignorePaths: readonly string[];
  /** Recorded URLs on this origin are compared as if on `replayOrigin`. */
  recordedOrigin: string;
  replayOrigin: string;
}

/** Made anew on every run, or a measurement of this run: never the same twice. */
export const DEFAULT_IGNORED_PATHS = ['properties.order_id', 'properties.checkout_id', 'properties.time_on_page_ms', 'properties.duration_ms'];
export const DEFAULT_IGNORED_EVENTS = ['Web Vital'];

/** What is compared of an event: its type, name, properties, and for a page view, the page. */
function comparable(event: TrackedEvent, options: DiffOptions): Record<string, unknown> {
  const page = event.context?.page as { path?: unknown; search?: unknown } | undefined;
  const view: Record<string, unknown> = {
    type: event.type,
    name: eventName(event),
    properties: event.properties ?? {},
    ...(event.type === 'page' && { page: { path: page?.path, search: page?.search } }),
  };
  const mapped = mapOrigin(view, options.recordedOrigin, options.replayOrigin) as Record<string, unknown>;
  for (const path of options.ignorePaths) removePath(mapped, path.split('.'));
  return mapped;
}

/** Strings that start with the recorded origin (hrefs, URLs), as on the replay's. */
function mapOrigin(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') {
    const rest = from === to ? undefined : pathOnOrigin(value, from);
    return rest === undefined ? value : to + rest;
  }
  if (Array.isArray(value)) return value.map((v) => mapOrigin(v, from, to));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapOrigin(v, from, to)]));
  return value;
}

function removePath(target: Record<string, unknown>, [head, ...rest]: string[]): void {
  if (head === undefined || typeof target !== 'object' || target === null) return;
  if (rest.length === 0) delete target[head];
  else removePath(target[head] as Record<string, unknown>, rest);
}

/** Every path where two JSON values differ. */
export function changes(recorded: unknown, replayed: unknown, path = ''): Change[] {
  if (Object.is(recorded, replayed)) return [];
  const bothObjects = typeof recorded === 'object' && recorded !== null && typeof replayed === 'object' && replayed !== null;
  if (!bothObjects || Array.isArray(recorded) !== Array.isArray(replayed)) return [{ path: path || '(root)', recorded, replayed }];
  if (Array.isArray(recorded) && Array.isArray(replayed) && recorded.length !== replayed.length) return [{ path: path || '(root)', recorded, replayed }];
  const keys = new Set([...Object.keys(recorded as object), ...Object.keys(replayed as object)]);
  return [...keys].flatMap((key) =>
    changes((recorded as Record<string, unknown>)[key], (replayed as Record<string, unknown>)[key], path ? `${path}.${key}` : key),
  );
}

const keyOf = (view: Record<string, unknown>) => `${view.type}\u0000${view.name}`;

/**
 * Compares each step's recorded events with what the replay captured during that step: an event
 * recorded and not produced is missing, one produced and not recorded is extra, one produced with
 * other properties is changed. Events of the same name pair up in order. An event that only landed
 * one step earlier or later (a batch sent a moment later) is not a difference.
 */
export function diffRuns(runs: readonly StepRun[], options: DiffOptions): Finding[] {
  const ignored = new Set(options.ignoreEvents);
  const kept = (events: readonly TrackedEvent[]) => events.filter((e) => !ignored.has(eventName(e) ?? ''));
  const findings: Finding[] = [];
  for (const { step, captured } of runs) {
    const replayed = kept(captured).map((event) => ({ event, view: comparable(event, options), used: false }));
    for (const event of kept(step.expected)) {
      const view = comparable(event, options);
      const candidates = replayed.filter((r) => !r.used && keyOf(r.view) === keyOf(view));
      const best = candidates.map((r) => ({ r, diff: changes(view, r.view) })).sort((a, b) => a.diff.length - b.diff.length)[0];
      if (!best) {
        findings.push({ kind: 'missing', step: step.number, event });
        continue;
      }
      best.r.used = true;
      if (best.diff.length > 0) findings.push({ kind: 'changed', step: step.number, recorded: event, replayed: best.r.event, changes: best.diff });
    }
    for (const r of replayed) if (!r.used) findings.push({ kind: 'extra', step: step.number, event: r.event });
  }
  return forgiveNeighbours(findings, options);
}

/** A missing event and an identical extra one in an adjacent step cancel out. */
function forgiveNeighbours(findings: Finding[], options: DiffOptions): Finding[] {
  const gone = new Set<Finding>();
  for (const missing of findings) {
    if (missing.kind !== 'missing' || gone.has(missing)) continue;
    const view = comparable(missing.event, options);
    const extra = findings.find(
      (f) => f.kind === 'extra' && !gone.has(f) && Math.abs(f.step - missing.step) === 1 && changes(view, comparable(f.event, options)).length === 0,
    );
    if (extra) gone.add(missing).add(extra);
  }
  return findings.filter((f) => !gone.has(f));
}
