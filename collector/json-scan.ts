/** Reading JSON text from its bytes, without parsing it: the bytes that matter, and where a string ends. */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;

/**
 * The index of the quote closing the string that opens at `start`: the next one not escaped by an
 * odd run of backslashes (found with `indexOf`, so a long string costs little), or -1.
 */
export function closingQuote(bytes: Uint8Array, start: number): number {
  let i = start;
  for (;;) {
    i = bytes.indexOf(QUOTE, i + 1);
    if (i === -1) return -1;
    let backslashes = 0;
    while (bytes[i - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
}
