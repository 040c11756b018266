// Whitespace as JavaScript's `\s` and String.prototype.trim see it (ECMAScript's WhiteSpace
// and LineTerminator), tested on a UTF-16 code unit: text scanners that walk a megabyte by
// index use it instead of a regex per character.

/** Whether `code` is in `\s`. */
export function isWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/** Characters that are not whitespace (what trim() keeps, wherever they stand). */
export function countNonWhitespace(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) if (!isWhitespace(text.charCodeAt(i))) count++;
  return count;
}
