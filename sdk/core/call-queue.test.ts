import { describe, expect, it } from 'vitest';
import { createCallQueue } from './call-queue';

const deferred = () => {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe('call queue', () => {
  it('runs calls at once when nothing is awaited', () => {
    const [run] = createCallQueue();
    const ran: number[] = [];
    run(() => ran.push(1));
    expect(ran).toEqual([1]);
  });

  it('holds calls until every awaited task settles, failed ones too, then runs them in order', async () => {
    const [run, waitFor] = createCallQueue();
    const ran: string[] = [];
    const state = deferred();
    const plugin = deferred();
    waitFor(state.promise);
    run(() => ran.push('a'));
    waitFor(plugin.promise); // a plugin added later: the calls after it wait for it too
    run(() => {
      throw new Error('one call fails');
    });
    run(() => ran.push('b'));
    state.resolve();
    await state.promise;
    expect(ran).toEqual([]);
    plugin.reject(new Error('unreadable'));
    await plugin.promise.catch(() => {});
    expect(ran).toEqual(['a', 'b']);
    run(() => ran.push('c'));
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('stops the replay at a call that waits for something new, and goes on once it is there', async () => {
    const [run, waitFor] = createCallQueue();
    const ran: string[] = [];
    const first = deferred();
    const second = deferred();
    waitFor(first.promise);
    run(() => waitFor(second.promise));
    run(() => ran.push('after'));
    first.resolve();
    await first.promise;
    expect(ran).toEqual([]);
    second.resolve();
    await second.promise;
    expect(ran).toEqual(['after']);
  });
});
