import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, closingQuote, COMMA, OPEN_BRACE, OPEN_BRACKET, QUOTE } from '../json-scan';

/**
 * The top-level string values of two keys in one line of JSON object, read without parsing the
 * rest: rebuilding de-dup state from a day of events reads every line, and a full parse costs
 * several times this scan. Values that are not strings, and keys inside nested objects, are
 * ignored; text that is not a JSON object gives undefined.
 */
export function topLevelStrings(line: Uint8Array, first: string, second: string): [string | undefined, string | undefined] {
  let a: string | undefined;
  let b: string | undefined;
  let depth = 0;
  let expectKey = false;
  let key: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === QUOTE) {
      const end = closingQuote(line, i);
      if (end === -1) return [a, b];
      if (depth === 1) {
        if (expectKey) {
          key = text(line, i, end);
          expectKey = false;
        } else if (key !== undefined) {
          if (key === first && a === undefined) a = text(line, i, end);
          else if (key === second && b === undefined) b = text(line, i, end);
          if (a !== undefined && b !== undefined) return [a, b];
          key = undefined;
        }
      }
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth === 1) key = undefined; // the value is an object or array: not a string
      depth++;
      expectKey = c === OPEN_BRACE && depth === 1;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    } else if (c === COMMA && depth === 1) {
      expectKey = true;
      key = undefined;
    }
  }
  return [a, b];
}

function text(line: Uint8Array, start: number, end: number): string {
  const raw = Buffer.from(line.buffer, line.byteOffset + start, end + 1 - start);
  return raw.includes(BACKSLASH) ? (JSON.parse(raw.toString('utf8')) as string) : raw.toString('utf8', 1, raw.length - 1);
}
