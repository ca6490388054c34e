export interface Rate {
  eventsPerSecond: number;
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** When to come back, for `Retry-After`. */
  retryAfterSeconds: number;
}

/** Token buckets, one per key: in memory for one process, in Redis for several. */
export interface RateLimiter {
  take(bucket: string, cost: number, rate: Rate): Promise<RateDecision>;
  close?(): Promise<void>;
}

export interface MemoryRateLimiterOptions {
  now?: () => number;
  /** Buckets kept; the least recently used go first (a full bucket is the same as none). */
  maxBuckets?: number;
}

export function createMemoryRateLimiter({ now = Date.now, maxBuckets = 100_000 }: MemoryRateLimiterOptions = {}): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    async take(bucket, cost, { eventsPerSecond, burst }) {
      const t = now();
      const state = buckets.get(bucket) ?? { tokens: burst, at: t };
      buckets.delete(bucket);
      buckets.set(bucket, state);
      if (buckets.size > maxBuckets) buckets.delete(buckets.keys().next().value!);
      state.tokens = Math.min(burst, state.tokens + ((t - state.at) / 1000) * eventsPerSecond);
      state.at = t;
      // A batch larger than the bucket passes when the bucket is full, instead of never.
      const need = Math.min(cost, burst);
      if (state.tokens >= need) {
        state.tokens -= need;
        return { allowed: true, retryAfterSeconds: 0 };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((need - state.tokens) / eventsPerSecond)) };
    },
  };
}
