import { describe, expect, it } from 'vitest';
import { createSequenceTracker } from './sequence';

const t = (s: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, s)).toISOString();

describe('createSequenceTracker', () => {
  it('counts the gaps in each device run, and late arrivals fill them', () => {
    const seq = createSequenceTracker();
    for (const n of [1, 2, 5, 6]) seq.observe('a', n, t(n));
    for (const n of [10, 11, 12]) seq.observe('b', n, t(n));
    expect(seq.lost()).toBe(2); // a: 3 and 4
    seq.observe('a', 3, t(3));
    expect(seq.lost()).toBe(1);
    seq.observe('b', 15, t(15));
    expect(seq.lost()).toBe(3); // a: 4; b: 13 and 14
  });

  it('never stamps a later event of a device before an earlier one', () => {
    const seq = createSequenceTracker();
    expect(seq.observe('a', 1, t(30))).toBe(t(30));
    // Its next batch came with a different skew estimate and would land before seq 1.
    expect(seq.observe('a', 2, t(29))).toBe(t(30));
    expect(seq.observe('a', 3, t(40))).toBe(t(40));
    // A late arrival with a lower seq keeps its own time.
    expect(seq.observe('a', 0, t(10))).toBe(t(10));
  });

  it('keeps the loss of devices it retires', () => {
    const seq = createSequenceTracker({ maxDevices: 2 });
    seq.observe('a', 1, t(1));
    seq.observe('a', 4, t(4));
    seq.observe('b', 1, t(1));
    seq.observe('c', 1, t(1));
    expect(seq.lost()).toBe(2);
    seq.observe('a', 2, t(2)); // a was retired: it starts over and cannot un-count
    expect(seq.lost()).toBe(2);
  });
});

describe('a client cannot inflate the loss count', () => {
  it('takes a jump past maxGap as a new run, not as lost events', () => {
    const seq = createSequenceTracker({ maxGap: 1000 });
    seq.observe('a', 1, t(1));
    seq.observe('a', 1e15, t(2));
    seq.observe('a', 1e15 + 1, t(3));
    expect(seq.lost()).toBe(0);
    seq.observe('a', 1e15 + 5, t(4));
    expect(seq.lost()).toBe(3);
  });
});
