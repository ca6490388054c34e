import { eventName } from '../../collector/pipeline/feed';
import type { EventType } from '../protocol/types';
import { describeDifference, partialDiff, preview, type Difference } from './partial-match';

/**
 * Which events a test means: a name (a track's `event`, a page's `name`, else the type: `'page'`,
 * `'identify'`), a partial pattern of the whole event (`{ type: 'page', context: { page: { path: '/' } } }`),
 * or a predicate.
 */
export type EventMatcher = string | RegExp | Record<string, unknown> | ((event: TrackedEvent) => boolean);

/** An event as the collector stored it (validated, enriched): what the test collector returns. */
export interface TrackedEvent {
  [field: string]: unknown;
  type: EventType;
  messageId: string;
  event?: string;
  name?: string;
  anonymousId?: string;
  userId?: string;
  properties?: Record<string, any>;
  traits?: Record<string, any>;
  context: Record<string, any>;
  timestamp: string;
  receivedAt: string;
}

/** A matcher in one shape, with the properties a matcher call may add (`toHaveTracked(name, properties)`). */
export interface Expectation {
  name?: string | RegExp;
  pattern?: Record<string, unknown>;
  test?: (event: TrackedEvent) => boolean;
}

export function expectationOf(matcher: EventMatcher, properties?: Record<string, unknown>): Expectation {
  const expectation: Expectation =
    typeof matcher === 'string' || matcher instanceof RegExp
      ? { name: matcher }
      : typeof matcher === 'function'
        ? { test: matcher }
        : typeof matcher === 'object' && matcher !== null && !Array.isArray(matcher)
          ? { pattern: matcher }
          : invalid(matcher);
  if (properties !== undefined) {
    if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) invalid(properties, 'properties');
    expectation.pattern = { ...expectation.pattern, properties: { ...(expectation.pattern?.properties as object), ...properties } };
  }
  return expectation;
}

function invalid(value: unknown, what = 'an event matcher'): never {
  throw new TypeError(`${what} must be ${what === 'properties' ? 'an object' : 'a name, a RegExp, a pattern object or a function'}, got ${preview(value)}`);
}

/** Where an event fails the expectation; empty when it matches. A wrong name is one difference at `(name)`. */
export function differences(event: TrackedEvent, { name, pattern, test }: Expectation): Difference[] {
  const found: Difference[] = [];
  if (name !== undefined) {
    const actual = eventName(event);
    const ok = typeof name === 'string' ? actual === name : actual !== undefined && new RegExp(name.source, name.flags).test(actual);
    if (!ok) found.push({ path: '(name)', expected: name, actual });
  }
  if (pattern) found.push(...partialDiff(event, pattern));
  if (test) {
    let passed = false;
    try {
      passed = test(event);
    } catch {
      // a predicate that throws on an event does not match it
    }
    if (!passed) found.push({ path: '(predicate)', expected: true, actual: false });
  }
  return found;
}

export const matches = (event: TrackedEvent, expectation: Expectation) => differences(event, expectation).length === 0;

/** `"Order Completed" {"properties":{"revenue":99}}` */
export function describeExpectation({ name, pattern, test }: Expectation): string {
  const parts: string[] = [];
  if (name !== undefined) parts.push(typeof name === 'string' ? JSON.stringify(name) : String(name));
  if (pattern) parts.push(preview(pattern, 200));
  if (test) parts.push(`matching ${test.name || 'a predicate'}`);
  return parts.join(' ') || 'any event';
}

/** A one-line summary of an event: its name and, for tracks and pages, its properties. */
export function describeEvent(event: TrackedEvent): string {
  const properties = event.properties && Object.keys(event.properties).length > 0 ? ` ${preview(event.properties, 120)}` : '';
  return `${JSON.stringify(eventName(event) ?? '(unnamed)')}${properties}`;
}

/**
 * What a failure message shows: which events arrived, and the closest: those with the expected
 * name, each with how it differs (fewest differences first); with none of that name, the events
 * whose name looks like a typo of it.
 */
export function closestEvents(events: readonly TrackedEvent[], expectation: Expectation, limit = 3): string {
  if (events.length === 0) return 'No events arrived at the test collector.';
  const names = new Map<string, number>();
  for (const event of events) {
    const name = eventName(event) ?? '(unnamed)';
    names.set(name, (names.get(name) ?? 0) + 1);
  }
  const arrived = `${events.length} event(s) arrived: ${[...names].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ')}.`;
  const ranked = events
    .map((event, index) => ({ event, index, diffs: differences(event, expectation) }))
    .filter(({ diffs }) => !diffs.some((d) => d.path === '(name)'))
    .sort((a, b) => a.diffs.length - b.diffs.length || a.index - b.index);
  let lines = ranked.slice(0, limit).map(({ event, index, diffs }) => describeClose(event, index, diffs));
  if (ranked.length === 0 && typeof expectation.name === 'string') {
    const wanted = expectation.name;
    const lookalikes = events.map((event, index) => ({ event, index })).filter(({ event }) => looksLike(eventName(event), wanted));
    if (lookalikes.length === 0)
      return `${arrived}
None is named ${JSON.stringify(wanted)}.`;
    lines = lookalikes.slice(0, limit).map(({ event, index }) => describeClose(event, index, differences(event, expectation)));
  }
  return lines.length ? [arrived, 'Closest:', ...lines].join('\n') : arrived;
}

function describeClose(event: TrackedEvent, index: number, diffs: readonly Difference[]): string {
  const shown = diffs.slice(0, 5).map((d) => `      ${describeDifference(d)}`);
  if (diffs.length > 5) shown.push(`      … and ${diffs.length - 5} more`);
  return [`  #${index + 1} ${describeEvent(event)}`, ...shown].join('\n');
}

/** A typo of the name: the same but for case, spaces and punctuation, or a couple of letters. */
function looksLike(actual: string | undefined, wanted: string): boolean {
  if (actual === undefined) return false;
  const squash = (name: string) => name.toLowerCase().replace(/[\s_\-.]+/g, '');
  return squash(actual) === squash(wanted) || editDistance(actual.toLowerCase(), wanted.toLowerCase()) <= 2;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
