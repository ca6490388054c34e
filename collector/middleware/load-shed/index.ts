import type { MiddlewareHandler } from 'hono';
import { HttpError } from '../../errors';

export interface LoadShedOptions {
  maxInflight: number;
  onShed?: () => void;
  onChange?: (inflight: number) => void;
}

/** Past `maxInflight` concurrent requests, answer 503 at once rather than queue without bound. */
export function loadShed({ maxInflight, onShed, onChange }: LoadShedOptions): MiddlewareHandler {
  let inflight = 0;
  return async (_c, next) => {
    if (inflight >= maxInflight) {
      onShed?.();
      throw new HttpError(503, 'collector busy, retry later', { retryAfter: 1 });
    }
    onChange?.(++inflight);
    try {
      await next();
    } finally {
      onChange?.(--inflight);
    }
  };
}
