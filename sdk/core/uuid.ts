/**
 * A version 4 UUID for message and anonymous ids: the platform's `crypto.randomUUID`, or the same
 * from random bytes where it is missing (pages on plain http). A few lines instead of the `uuid`
 * package keep the script-tag core inside its size budget.
 */
export function uuid4(): string {
  const c = globalThis.crypto;
  if (c.randomUUID) return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 15) | 64; // version 4
  b[8] = (b[8]! & 63) | 128; // variant 10xx
  let id = '';
  for (let i = 0; i < 16; i++) id += (i == 4 || i == 6 || i == 8 || i == 10 ? '-' : '') + (b[i]! + 256).toString(16).slice(1);
  return id;
}
