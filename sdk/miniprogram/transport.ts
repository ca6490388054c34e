import { parseRetryAfter } from '../core/retry-after';
import type { Transport } from '../core/transport';
import { headerOf, type Host } from './host';

/**
 * The host's `request`, at most `maxConcurrent` at once: the app shares the platform's 10
 * concurrent requests with its own calls, and tracking must never starve them. While the network
 * is known to be down no request is made (the core retries when it comes back). Never rejects.
 */
export function requestTransport(host: Host, online: () => boolean, maxConcurrent = 2): Transport {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async ({ url, body }) => {
    if (!online()) return { status: 0 };
    if (active >= maxConcurrent) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await new Promise((resolve) => {
        try {
          host.post(url, body, (status, headers) => resolve({ status, retryAfter: parseRetryAfter(headerOf(headers, 'retry-after')) }));
        } catch {
          resolve({ status: 0 });
        }
      });
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
