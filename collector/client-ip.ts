import { isIP } from 'node:net';
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

/**
 * The client's address. Behind `trustedHops` proxies of your own (each appending the address it
 * saw to `X-Forwarded-For`), it is the entry that many places from the right: anything further left
 * was written by the client itself and proves nothing. 0: the socket's address.
 */
export function clientIp(c: Context, trustedHops: number): string | undefined {
  const socket = socketAddress(c);
  if (trustedHops <= 0) return socket;
  const forwarded = c.req.header('x-forwarded-for');
  if (!forwarded) return socket;
  const hops = forwarded
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  // Fewer entries than trusted proxies: the leftmost one came from the first proxy we trust.
  const candidate = unmapped(hops[Math.max(0, hops.length - trustedHops)] ?? '');
  return isIP(candidate) ? candidate : socket;
}

/**
 * What one client is, for limits: an IPv4 address, or the /64 an IPv6 host is given (a host picks
 * any address in it at will, so per-address buckets would be free to multiply).
 */
export function clientBucket(ip: string | undefined): string {
  if (!ip) return 'unknown';
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

function socketAddress(c: Context): string | undefined {
  try {
    const address = getConnInfo(c).remote.address;
    return address ? unmapped(address) : undefined;
  } catch {
    return undefined; // no socket, e.g. app.request() in tests
  }
}

const unmapped = (address: string) => (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address);
