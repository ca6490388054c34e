/** Seconds from either form of Retry-After: delta-seconds or an HTTP date (past: 0; unreadable: undefined). */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = /^\s*\d/.test(value) ? +value : (Date.parse(value) - Date.now()) / 1000;
  return seconds > 0 ? seconds : seconds <= 0 ? 0 : undefined;
}
