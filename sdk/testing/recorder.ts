import { feedItems, type FeedEntry } from '../../collector/pipeline/feed';
import type { FailedRecord } from '../../collector/records';
import { closestEvents, describeExpectation, expectationOf, matches, type EventMatcher, type TrackedEvent } from './expectation';

/** A rejected event as the failed-events stream holds it, with the source (write key name) it came from. */
export type RejectedRecord = FailedRecord & { source: string };

export interface WaitOptions {
  /** Milliseconds before giving up (default 5000). */
  timeout?: number;
  /** How many matching events to wait for (default 1). */
  count?: number;
  /** Properties to match as well, as in `toHaveTracked(name, properties)`. */
  properties?: Record<string, unknown>;
}

/** Thrown by `waitFor` on timeout: the message says what arrived instead. */
export class TrackingTimeoutError extends Error {
  override name = 'TrackingTimeoutError';
  constructor(
    message: string,
    /** The matching events that did arrive (fewer than asked for). */
    readonly events: TrackedEvent[],
  ) {
    super(message);
  }
}

/** What the test collector has stored, in arrival order, and waiting on it. */
export interface Recorder {
  add(entry: FeedEntry): void;
  /** Accepted events (the `events` and `bots` streams), optionally only those matching. */
  events(matcher?: EventMatcher, properties?: Record<string, unknown>): TrackedEvent[];
  bad(): RejectedRecord[];
  reset(): void;
  waitFor(matcher: EventMatcher, options?: WaitOptions): Promise<TrackedEvent[]>;
  /** Calls `listener` after each arrival until it returns true or is removed. */
  onChange(listener: () => boolean | void): () => void;
}

export function createRecorder(): Recorder {
  let good: TrackedEvent[] = [];
  let rejected: RejectedRecord[] = [];
  const listeners = new Set<() => boolean | void>();

  const recorder: Recorder = {
    add(entry) {
      for (const item of feedItems(entry)) {
        if (item.status === 'good') good.push(item.event as unknown as TrackedEvent);
        else {
          const { status: _status, ...record } = item;
          rejected.push(record);
        }
      }
      for (const listener of [...listeners]) if (listener()) listeners.delete(listener);
    },
    events(matcher, properties) {
      if (matcher === undefined && properties === undefined) return good.slice();
      const expectation = expectationOf(matcher ?? {}, properties);
      return good.filter((event) => matches(event, expectation));
    },
    bad: () => rejected.slice(),
    reset() {
      good = [];
      rejected = [];
    },
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    waitFor(matcher, { timeout = 5000, count = 1, properties } = {}) {
      const expectation = expectationOf(matcher, properties);
      const found = () => good.filter((event) => matches(event, expectation));
      return new Promise((resolve, reject) => {
        const check = () => {
          const events = found();
          if (events.length < count) return false;
          clearTimeout(timer);
          resolve(events);
          return true;
        };
        const timer = setTimeout(() => {
          stop();
          const events = found();
          const wanted = `${count} event(s) matching ${describeExpectation(expectation)}`;
          reject(
            new TrackingTimeoutError(
              `Timed out after ${timeout} ms waiting for ${wanted}; ${events.length} matched.\n${closestEvents(good, expectation)}`,
              events,
            ),
          );
        }, timeout);
        const stop = recorder.onChange(check);
        if (check()) stop();
      });
    },
  };
  return recorder;
}
