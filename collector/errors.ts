import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** What every error answer carries: `{"success": false, "error": "..."}`, and `Retry-After` where the client should come back. */
export interface ErrorBody {
  success: false;
  error: string;
  [extra: string]: unknown;
}

export interface HttpErrorOptions {
  /** Seconds, for 429 and 503: the client keeps its events and comes back then. */
  retryAfter?: number;
  /** More fields for the JSON body (e.g. how many events of a batch were taken). */
  extra?: Record<string, unknown>;
}

/**
 * The collector's one way to build an HTTP error, for middleware and routes alike: thrown, it
 * reaches the app's one `onError`, which answers with `errorResponse`.
 */
export class HttpError extends HTTPException {
  readonly retryAfter: number | undefined;
  readonly extra: Record<string, unknown> | undefined;
  constructor(status: ContentfulStatusCode, message: string, { retryAfter, extra }: HttpErrorOptions = {}) {
    super(status, { message });
    this.retryAfter = retryAfter;
    this.extra = extra;
  }
}

/** The JSON answer for an error: status, body, and `Retry-After` when set. */
export function errorResponse(c: Context, status: ContentfulStatusCode, message: string, { retryAfter, extra }: HttpErrorOptions = {}): Response {
  const body: ErrorBody = { success: false, error: message, ...extra };
  return c.json(body, status, retryAfter === undefined ? undefined : { 'retry-after': String(Math.max(1, Math.ceil(retryAfter))) });
}

/**
 * The app's `onError`: typed errors answer as they say (and are told to `onRefused`, for the
 * logs); anything else is logged and answered 500.
 */
export function handleError(onUnexpected: (error: Error, c: Context) => void, onRefused?: (status: number, message: string, c: Context) => void) {
  return (error: Error, c: Context): Response => {
    if (error instanceof HttpError) {
      onRefused?.(error.status, error.message, c);
      return errorResponse(c, error.status as ContentfulStatusCode, error.message, error);
    }
    if (error instanceof HTTPException) return error.res ?? errorResponse(c, error.status as ContentfulStatusCode, error.message);
    onUnexpected(error, c);
    return errorResponse(c, 500, 'internal error');
  };
}
