export interface Rate {
  eventsPerSecond: number;
  burst: number;
}

/** One token bucket a request draws on: a write key's, or a key × client's. */
export interface BucketRequest {
  bucket: string;
  rate: Rate;
}

export interface Grant {
  /** How many of the events asked for may be taken now (0 … wanted). */
  granted: number;
  /** When the rest could be taken, for `Retry-After` (0 when all were granted). */
  retryAfterSeconds: number;
}

/**
 * Token buckets counted in events, drawn on together: a request gets as many events as every one
 * of its buckets allows, and all of them are charged the same (a refused IP bucket spends none of
 * the key's). `debt` is charged on top without ever being refused: events that cost storage but
 * cannot be retried into acceptance (invalid ones, bound for the failed stream).
 */
export interface RateLimiter {
  take(buckets: readonly BucketRequest[], wanted: number, debt?: number): Promise<Grant>;
  close?(): Promise<void>;
}

export interface MemoryRateLimiterOptions {
  now?: () => number;
  /** Buckets kept; the least recently used go first (a full bucket is the same as none). */
  maxBuckets?: number;
}

/**
 * The decision, shared by the memory limiter and (as Lua) the Redis one: `tokens` are each bucket's
 * after refilling. Whole events only; what is not granted waits until the tightest bucket has it,
 * or a full bucket's worth when more is asked than a bucket can ever hold.
 */
export function decide(tokens: readonly number[], rates: readonly Rate[], wanted: number, debt: number): Grant {
  const granted = Math.max(0, Math.min(wanted, ...tokens.map((t) => Math.floor(t))));
  if (granted === wanted) return { granted, retryAfterSeconds: 0 };
  const rest = wanted - granted;
  const wait = Math.max(...tokens.map((t, i) => (Math.min(rest, rates[i]!.burst) - (t - granted - debt)) / rates[i]!.eventsPerSecond));
  return { granted, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
}

export function createMemoryRateLimiter({ now = Date.now, maxBuckets = 100_000 }: MemoryRateLimiterOptions = {}): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refilled = (bucket: string, { eventsPerSecond, burst }: Rate, t: number) => {
    const state = buckets.get(bucket) ?? { tokens: burst, at: t };
    buckets.delete(bucket); // re-inserted: most recently used last
    buckets.set(bucket, state);
    if (buckets.size > maxBuckets) buckets.delete(buckets.keys().next().value!);
    state.tokens = Math.min(burst, state.tokens + ((t - state.at) / 1000) * eventsPerSecond);
    state.at = t;
    return state;
  };
  return {
    async take(requests, wanted, debt = 0) {
      if (requests.length === 0) return { granted: wanted, retryAfterSeconds: 0 };
      const t = now();
      const states = requests.map(({ bucket, rate }) => refilled(bucket, rate, t));
      const grant = decide(
        states.map((s) => s.tokens),
        requests.map((r) => r.rate),
        wanted,
        debt,
      );
      for (const state of states) state.tokens -= grant.granted + debt;
      return grant;
    },
  };
}
