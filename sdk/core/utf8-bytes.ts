/** UTF-8 length of a string without allocating its encoding. */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff) {
      // A surrogate pair: 4 bytes for 2 units.
      i++;
      bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}
