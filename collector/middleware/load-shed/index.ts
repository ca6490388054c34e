import type { MiddlewareHandler } from 'hono';

export interface LoadShedOptions {
  maxInflight: number;
  onShed?: () => void;
  onChange?: (inflight: number) => void;
}

/** Past `maxInflight` concurrent requests, answer 503 at once rather than queue without bound. */
export function loadShed({ maxInflight, onShed, onChange }: LoadShedOptions): MiddlewareHandler {
  let inflight = 0;
  return async (c, next) => {
    if (inflight >= maxInflight) {
      onShed?.();
      return c.json({ success: false, error: 'collector busy, retry later' }, 503, { 'retry-after': '1' });
    }
    onChange?.(++inflight);
    try {
      await next();
    } finally {
      onChange?.(--inflight);
    }
  };
}
