/**
 * A version 4 UUID for message and anonymous ids: the platform's `crypto.randomUUID`, or the same
 * from random bytes where it is missing (pages on plain http). A few lines instead of the `uuid`
 * package keep the script-tag core inside its size budget.
 */
export function uuid4(): string {
  const c = globalThis.crypto;
  if (c.randomUUID) return c.randomUUID();
  const bytes = c.getRandomValues(new Uint8Array(31));
  let i = 0;
  // The template's 4 is the version; y takes the variant bits 10xx, each x a random digit.
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (ch) => {
    const b = bytes[i++]!;
    return (ch == 'x' ? b & 15 : (b & 3) | 8).toString(16);
  });
}
