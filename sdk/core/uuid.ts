/**
 * A version 4 UUID for message and anonymous ids: the platform's `crypto.randomUUID`, or the same
 * from 16 random bytes where it is missing (pages on plain http). A few lines instead of the
 * `uuid` package keep the script-tag core inside its size budget.
 */
export function uuid4(): string {
  const c = globalThis.crypto;
  if (c.randomUUID) return c.randomUUID();
  const bytes = c.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
