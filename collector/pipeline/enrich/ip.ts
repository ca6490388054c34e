import { isIPv4, isIPv6 } from 'node:net';

/** Zeroes the host part: the last octet of IPv4, the last 80 bits of IPv6 (what GA and Matomo do). */
export function anonymizeIp(ip: string): string | undefined {
  if (isIPv4(ip)) return ip.slice(0, ip.lastIndexOf('.')) + '.0';
  if (!isIPv6(ip)) return undefined;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An IPv4-mapped tail counts as two groups.
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length - (right.at(-1)?.includes('.') ? 1 : 0))).fill('0'), ...right];
  return `${groups
    .slice(0, 3)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::`;
}
