import { CLOSE_BRACE, CLOSE_BRACKET, closingQuote, OPEN_BRACE, OPEN_BRACKET, QUOTE } from '../../json-scan';

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth`, read from its bytes before
 * any parse: a 541-byte gzip body inflating to half a megabyte of `[` costs JSON.parse ~0.15 s,
 * this scan stops after `maxDepth + 1` bytes. Strings are skipped with `indexOf` (a 15 KB batch
 * costs ~15 µs, a third of its parse). Malformed text is left for the parser to refuse.
 */
export function nestsDeeperThan(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === QUOTE) {
      i = closingQuote(bytes, i);
      if (i === -1) return false;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
