import type { TruthEvent } from './journeys';

/**
 * The rules of the README, written a second time as plain loops over the generator's truth: the
 * independent answer the analysis engines are checked against.
 */

const byGroup = (events: readonly TruthEvent[]) => {
  const groups = new Map<string, TruthEvent[]>();
  for (const e of events) (groups.get(e.group) ?? groups.set(e.group, []).get(e.group)!).push(e);
  for (const list of groups.values()) list.sort((a, b) => a.at - b.at);
  return groups;
};

const median = (values: number[]) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)]! + sorted[Math.ceil(middle)]!) / 2;
};

/**
 * Persons reaching each step: per attempt (each step-1 event), the earliest next step strictly
 * after, within the window. Medians of the seconds between steps, from each person's earliest
 * attempt among their deepest.
 */
export function expectedFunnel(truth: readonly TruthEvent[], steps: readonly string[], windowSeconds: number) {
  const reached = steps.map(() => 0);
  const gaps: number[][] = steps.map(() => []);
  for (const events of byGroup(truth.filter((e) => e.type === 'track' && steps.includes(e.name))).values()) {
    let best: number[] = [];
    for (const start of events.filter((e) => e.name === steps[0])) {
      const times = [start.at];
      for (const step of steps.slice(1)) {
        const next = events.find((e) => e.name === step && e.at > times.at(-1)!);
        if (!next || next.at > start.at + windowSeconds * 1000) break;
        times.push(next.at);
      }
      if (times.length > best.length) best = times;
    }
    best.forEach((at, k) => {
      reached[k]!++;
      if (k > 0) gaps[k]!.push((at - best[k - 1]!) / 1000);
    });
  }
  return { persons: reached, medianSeconds: gaps.map((g, k) => (k === 0 ? null : median(g))) };
}

export type Model = 'first' | 'last' | 'linear' | 'position';

/** Conversions and revenue per campaign key. */
export function expectedAttribution(truth: readonly TruthEvent[], conversion: string, model: Model, lookbackSeconds: number) {
  const rows = new Map<string, { conversions: number; revenue: number }>();
  const credit = (key: string, share: number, revenue: number) => {
    const row = rows.get(key) ?? rows.set(key, { conversions: 0, revenue: 0 }).get(key)!;
    row.conversions += share;
    row.revenue += revenue;
  };
  for (const events of byGroup(truth).values()) {
    for (const order of events.filter((e) => e.type === 'track' && e.name === conversion)) {
      const revenue = order.revenue ?? 0;
      const touches = events.filter((e) => e.touch && e.at < order.at && e.at >= order.at - lookbackSeconds * 1000);
      const nonDirect = touches.filter((t) => t.touch !== '(direct)');
      if (model === 'first') credit(touches[0]?.touch ?? '(direct)', 1, revenue);
      else if (model === 'last') credit(nonDirect.at(-1)?.touch ?? '(direct)', 1, revenue);
      else if (touches.length === 0) credit('(direct)', 1, revenue);
      else {
        const n = touches.length;
        const weights = model === 'linear' || n <= 2 ? touches.map(() => 1 / n) : touches.map((_, i) => (i === 0 || i === n - 1 ? 0.4 : 0.2 / (n - 2)));
        touches.forEach((t, i) => credit(t.touch!, weights[i]!, revenue * weights[i]!));
      }
    }
  }
  return rows;
}

/** Each real group's events, for checking that the engine put exactly these together. */
export const expectedGroups = (truth: readonly TruthEvent[]) => new Map([...byGroup(truth)].map(([g, list]) => [g, list.map((e) => e.messageId)]));
