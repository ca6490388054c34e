import { afterEach, describe, expect, it } from 'vitest';
import { funnel } from './funnel';
import type { Written } from './testing/data-folder';
import { engineWith, t } from './testing/engine-with';

const STEPS = ['View', 'Add', 'Buy'];
const DAY = 86_400;
let done: (() => Promise<void>) | undefined;
afterEach(() => done?.());

async function run(events: Written[], options: Partial<Parameters<typeof funnel>[1]> = {}) {
  const opened = await engineWith(events);
  done = opened.done;
  return funnel(opened.engine, { steps: STEPS, windowSeconds: DAY, ...options });
}
const persons = (result: Awaited<ReturnType<typeof run>>) => result.steps.map((s) => s.persons);
let n = 0;
const ev = (anon: string, event: string, seconds: number, extra: Partial<Written> = {}): Written => ({ id: `e${n++}`, event, at: t(seconds), anon, ...extra });

describe('funnel rules', () => {
  it('needs each step strictly after the previous one: an event at the same millisecond is not after it', async () => {
    const result = await run([
      ev('same', 'View', 0),
      ev('same', 'Add', 0),
      ev('same', 'Buy', 10),
      ev('later', 'View', 0),
      ev('later', 'Add', 0.001),
      ev('later', 'Buy', 0.002),
      ev('before', 'Add', 0),
      ev('before', 'View', 1),
      ev('before', 'Buy', 2),
    ]);
    expect(persons(result)).toEqual([3, 1, 1]);
  });

  it('counts a step at exactly the window after step 1, not a millisecond later', async () => {
    const result = await run([
      ev('edge', 'View', 0),
      ev('edge', 'Add', 10),
      ev('edge', 'Buy', DAY),
      ev('late', 'View', 0),
      ev('late', 'Add', 10),
      ev('late', 'Buy', DAY + 0.001),
    ]);
    expect(persons(result)).toEqual([2, 2, 1]);
  });

  it("lets other events and repeats come in between, and takes the best of a person's attempts", async () => {
    const result = await run([
      // a first attempt that stalls, then a second, days later, that goes through
      ev('p', 'View', 0),
      ev('p', 'Other', 5),
      ev('p', 'View', 6),
      ev('p', 'View', 3 * DAY),
      ev('p', 'Add', 3 * DAY + 60),
      ev('p', 'Add', 3 * DAY + 90),
      ev('p', 'Buy', 3 * DAY + 600),
      // the earliest next step after the previous, not the one that would fit better
      ev('q', 'View', 0),
      ev('q', 'Add', 100),
      ev('q', 'Add', 200),
      ev('q', 'Buy', 150),
      ev('q', 'Buy', 300),
    ]);
    expect(persons(result)).toEqual([2, 2, 2]);
    // medians from each person's earliest deepest attempt: Add 60 s (p) and 100 s (q) after View;
    // Buy 540 s (p) and 50 s (q: the Buy at 150 follows the Add at 100) after Add
    expect(result.steps[1]!.medianSeconds).toBe(80);
    expect(result.steps[2]!.medianSeconds).toBe((540 + 50) / 2);
  });

  it('follows a stitched person across devices: mini-program start, web purchase, counted once', async () => {
    const result = await run(
      [
        ev('mini-anon', 'View', 0, { context: { miniprogram: { platform: 'wechat', scene: 1007 } } }),
        { id: 'login-mini', type: 'identify', at: t(1), anon: 'mini-anon', user: 'u1' },
        { id: 'login-web', type: 'identify', at: t(2), anon: 'web-anon', user: 'u1' },
        ev('web-anon', 'Add', 30),
        ev('web-anon', 'Buy', 60),
      ],
      { by: 'platform' },
    );
    expect(persons(result)).toEqual([1, 1, 1]);
    expect(result.groups).toEqual([{ group: 'wechat', steps: expect.any(Array) }]);
    expect(result.groups![0]!.steps.map((s) => s.persons)).toEqual([1, 1, 1]);
  });

  it('takes step-1 events from --from to --to only, later steps wherever they fall in the window', async () => {
    const from = Date.parse(t(DAY));
    const result = await run([ev('early', 'View', 0), ev('early', 'Add', 10), ev('inside', 'View', DAY + 10), ev('inside', 'Add', 2 * DAY + 5)], {
      from,
      to: from + DAY,
      windowSeconds: 2 * DAY,
    });
    expect(persons(result)).toEqual([1, 1, 0]);
    expect(result.steps[1]!.conversion).toBe(1);
    expect(result.steps[1]!.dropOff).toBe(0);
  });
});
