import type { Context } from 'hono';

export interface UploadGateOptions {
  /** Uploads one client may have in progress at once. */
  maxPerClient: number;
  /** Who the client is: an IPv4 address, an IPv6 /64 (`clientBucket`). */
  clientOf: (c: Context) => string;
  onRefused?: () => void;
}

/**
 * Bounds the uploads each client holds open, so clients that send their bodies slowly (or never)
 * tie up their own share and nobody else's: a request being uploaded is not yet counted by load
 * shedding, which counts authenticated requests being processed.
 */
export function createUploadGate({ maxPerClient, clientOf, onRefused }: UploadGateOptions) {
  const open = new Map<string, number>();
  return {
    admit(c: Context): (() => void) | undefined {
      const client = clientOf(c);
      const count = open.get(client) ?? 0;
      if (count >= maxPerClient) {
        onRefused?.();
        return undefined;
      }
      open.set(client, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = open.get(client)! - 1;
        if (left === 0) open.delete(client);
        else open.set(client, left);
      };
    },
    /** Uploads in progress, over all clients. */
    inProgress: () => [...open.values()].reduce((sum, n) => sum + n, 0),
  };
}
