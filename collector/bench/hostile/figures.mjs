// Small figures for one-line reports: medians, tallies, and the events the cases send.
import { randomUUID } from 'node:crypto';

export const median = (values) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

export const ms = (value) => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(1) : Math.round(value)} ms` : '-');

/** `3 × 429, 2 × 200`: how many of each, most first. */
export function tally(values) {
  const counts = new Map();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return (
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([value, n]) => `${n.toLocaleString('en')} × ${value}`)
      .join(', ') || 'none'
  );
}

/** A prefix no earlier run used, for message ids, tables and streams. */
export const runId = () => randomUUID().replaceAll('-', '').slice(0, 10);

/** A small valid track event. */
export const trackEvent = (messageId, fields = {}) => ({
  type: 'track',
  event: 'Bench Event',
  messageId,
  anonymousId: 'bench-anon',
  timestamp: new Date().toISOString(),
  properties: { bench: true },
  ...fields,
});
