import type { ExpectMatcherState, MatcherReturnType } from '@playwright/test';
import { eventName } from '../../collector/pipeline/feed';
import {
  closestEvents,
  describeEvent,
  describeExpectation,
  expectationOf,
  matches,
  type EventMatcher,
  type Expectation,
  type TrackedEvent,
} from './expectation';
import type { RejectedRecord } from './recorder';

/** What the matchers read: the `tracking` fixture, or a test collector. */
export interface TrackingSource {
  good(): TrackedEvent[];
  bad(): RejectedRecord[];
  /** Sends what the pages have queued and waits for it to land (the fixture has it). */
  flush?(): Promise<void>;
}

/** An entry of `toHaveTrackedInOrder`: a matcher, or `[name, properties]`. */
export type OrderedMatcher = EventMatcher | [name: string, properties: Record<string, unknown>];

const POLL_MS = 50;

interface Outcome {
  pass: boolean;
  message: () => string;
  /** The answer cannot change any more (events only ever arrive): stop waiting. */
  final?: boolean;
}

/**
 * Evaluates until the outcome is the one wanted (`pass`, or not with `.not`) or the expect timeout
 * passes. The pages are flushed first, so an event queued in the SDK counts without waiting for
 * its batch interval.
 */
async function settle(state: ExpectMatcherState, source: TrackingSource, evaluate: () => Outcome): Promise<Outcome> {
  const deadline = Date.now() + state.timeout;
  if (typeof source?.good !== 'function' || typeof source?.bad !== 'function') {
    throw new TypeError('the tracking matchers take the `tracking` fixture or a test collector: expect(tracking).toHaveTracked(…)');
  }
  await source.flush?.();
  let outcome = evaluate();
  while (outcome.pass === state.isNot && !outcome.final && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    outcome = evaluate();
  }
  return outcome;
}

function result(state: ExpectMatcherState, name: string, expected: string, outcome: Outcome): MatcherReturnType {
  const hint = state.utils.matcherHint(name, 'tracking', expected, { isNot: state.isNot });
  return { name, pass: outcome.pass, message: () => `${hint}\n\n${outcome.message()}`, timeout: state.timeout };
}

const within = (state: ExpectMatcherState) => `within ${state.timeout} ms`;

export const trackingMatchers = {
  /** At least one accepted event matches: `toHaveTracked('Order Completed', { revenue: 99 })`. */
  async toHaveTracked(this: ExpectMatcherState, tracking: TrackingSource, matcher: EventMatcher, properties?: Record<string, unknown>) {
    const expectation = expectationOf(matcher, properties);
    const outcome = await settle(this, tracking, () => {
      const events = tracking.good();
      const found = events.filter((e) => matches(e, expectation));
      return {
        pass: found.length > 0,
        final: found.length > 0, // events never leave: once there, the answer stays
        message: () =>
          found.length > 0
            ? `Expected no event ${describeExpectation(expectation)}, but ${found.length} arrived:\n${found
                .slice(0, 3)
                .map((e) => `  ${describeEvent(e)}`)
                .join('\n')}`
            : `Expected an event ${describeExpectation(expectation)}; none arrived ${within(this)}.\n${closestEvents(events, expectation)}`,
      };
    });
    return result(this, 'toHaveTracked', 'expected', outcome);
  },

  /** Exactly `times` accepted events match. */
  async toHaveTrackedTimes(this: ExpectMatcherState, tracking: TrackingSource, matcher: EventMatcher, times: number) {
    if (!Number.isInteger(times) || times < 0) throw new TypeError(`toHaveTrackedTimes: times must be an integer ≥ 0, got ${times}`);
    const expectation = expectationOf(matcher);
    const outcome = await settle(this, tracking, () => {
      const events = tracking.good();
      const found = events.filter((e) => matches(e, expectation));
      return {
        pass: found.length === times,
        final: found.length > times,
        message: () =>
          `Expected ${this.isNot ? 'other than ' : ''}${times} event(s) ${describeExpectation(expectation)}; ${found.length} arrived${found.length < times ? ` ${within(this)}` : ''}.` +
          (found.length > 0
            ? `\n${found
                .slice(0, 10)
                .map((e) => `  #${events.indexOf(e) + 1} ${describeEvent(e)}`)
                .join('\n')}`
            : `\n${closestEvents(events, expectation)}`),
      };
    });
    return result(this, 'toHaveTrackedTimes', 'expected, times', outcome);
  },

  /** The matchers match accepted events in this order (others may come between them). */
  async toHaveTrackedInOrder(this: ExpectMatcherState, tracking: TrackingSource, sequence: OrderedMatcher[]) {
    if (!Array.isArray(sequence) || sequence.length === 0) throw new TypeError('toHaveTrackedInOrder: give a non-empty array of event matchers');
    const expectations = sequence.map((m) => (Array.isArray(m) ? expectationOf(m[0], m[1]) : expectationOf(m)));
    const outcome = await settle(this, tracking, () => {
      const events = tracking.good();
      const { matched, at } = inOrder(events, expectations);
      const pass = matched === expectations.length;
      return { pass, final: pass, message: () => describeOrder(events, expectations, matched, at, this) };
    });
    return result(this, 'toHaveTrackedInOrder', 'sequence', outcome);
  },

  /** No event was rejected (schema or tracking plan). */
  async toHaveNoInvalidEvents(this: ExpectMatcherState, tracking: TrackingSource) {
    const outcome = await settle(this, tracking, () => {
      const bad = tracking.bad();
      return {
        pass: bad.length === 0,
        final: bad.length > 0,
        message: () =>
          bad.length === 0
            ? 'Expected rejected events, but every event was valid.'
            : `Expected no rejected events, but ${bad.length} were rejected:\n${bad.slice(0, 10).map(describeRejected).join('\n')}`,
      };
    });
    return result(this, 'toHaveNoInvalidEvents', '', outcome);
  },
};

/** Greedy subsequence match: how many expectations matched in order, and at which event indexes. */
function inOrder(events: readonly TrackedEvent[], expectations: readonly Expectation[]) {
  const at: number[] = [];
  let from = 0;
  for (const expectation of expectations) {
    const index = events.findIndex((e, i) => i >= from && matches(e, expectation));
    if (index < 0) break;
    at.push(index);
    from = index + 1;
  }
  return { matched: at.length, at };
}

function describeOrder(events: readonly TrackedEvent[], expectations: readonly Expectation[], matched: number, at: number[], state: ExpectMatcherState) {
  const lines = expectations.map((expectation, i) =>
    i < matched ? `  ✓ ${describeExpectation(expectation)} (#${at[i]! + 1})` : `  ${i === matched ? '✗' : '·'} ${describeExpectation(expectation)}`,
  );
  if (matched === expectations.length) return `Expected the events not to arrive in this order, but they did:\n${lines.join('\n')}`;
  const after = matched === 0 ? 0 : at[matched - 1]! + 1;
  const rest = events.slice(after);
  const missing = expectations[matched]!;
  const earlier = matched > 0 ? events.slice(0, after).findIndex((e) => matches(e, missing)) : -1;
  return [
    `Expected ${expectations.length} events in order; ${matched} matched ${within(state)}:`,
    ...lines,
    earlier >= 0 ? `${describeExpectation(missing)} did arrive, but earlier (#${earlier + 1}), before what precedes it.` : '',
    `After #${after}: ${closestEvents(rest, missing).replace(/#(\d+)/g, (_, n) => `#${Number(n) + after}`)}`,
    `Arrived in this order: ${events.map((e) => eventName(e)).join(', ') || '(nothing)'}`,
  ]
    .filter(Boolean)
    .join('\n');
}

function describeRejected(record: RejectedRecord): string {
  return `  ${JSON.stringify(eventName(record.event) ?? '(unnamed)')} (${record.category}, key ${record.source}): ${record.reason}`;
}
