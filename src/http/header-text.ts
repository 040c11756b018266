// Text in request headers (Filename, Message, ntfy's Title and Tags): HTTP headers are
// bytes, and Bun and Deno hand their bytes over one character per byte (Latin-1). Clients
// send non-ASCII text as raw UTF-8 (curl, 1C's HTTPЗапрос) or as RFC 2047 encoded words
// (=?UTF-8?B?…?=, as ntfy accepts), so both are decoded; bytes that are no UTF-8 stay
// Latin-1. Linear: each part of an encoded word excludes "?" and white space, so a scan
// never backtracks past the next "?".
import { Buffer } from "node:buffer";

const UTF8 = new TextDecoder("utf-8", { fatal: true });
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

export interface HeaderTextOptions {
  /**
   * Encoded words in any charset TextDecoder knows (windows-1251, KOI8-R, ...), as ntfy's
   * Go decoder takes them; otherwise only UTF-8 and Latin-1, and other words stay as sent.
   */
  anyCharset?: boolean;
}

/** A header value as its sender wrote it. */
export function headerText(raw: string, options: HeaderTextOptions = {}): string {
  const text = fromLatin1Bytes(raw);
  if (!text.includes("=?")) return text;
  let out = "";
  let last = 0;
  let afterWord = false;
  for (const match of text.matchAll(ENCODED_WORD)) {
    const gap = text.slice(last, match.index);
    // RFC 2047 6.2: white space between two encoded words is not part of the text.
    if (!(afterWord && gap.trim() === "")) out += gap;
    const decoded = decodeWord(match[1]!, match[2]!, match[3]!, options.anyCharset ?? false);
    out += decoded ?? match[0];
    afterWord = decoded !== undefined;
    last = match.index + match[0].length;
  }
  return out + text.slice(last);
}

/** Raw UTF-8 bytes handed over as Latin-1 characters, decoded back; anything else as it is. */
function fromLatin1Bytes(raw: string): string {
  let high = false;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code > 0xff) return raw;
    if (code > 0x7f) high = true;
  }
  if (!high) return raw;
  try {
    return UTF8.decode(Buffer.from(raw, "latin1"));
  } catch {
    return raw;
  }
}

function decodeWord(charset: string, encoding: string, data: string, anyCharset: boolean): string | undefined {
  // RFC 2231 lets a language follow the charset: "UTF-8*ru".
  const label = charset.split("*")[0]!.toLowerCase();
  if (!anyCharset && label !== "utf-8" && label !== "iso-8859-1" && label !== "latin1") return undefined;
  const bytes = encoding.toUpperCase() === "B" ? Buffer.from(data, "base64") : decodeQ(data);
  try {
    return new TextDecoder(label as ConstructorParameters<typeof TextDecoder>[0], { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** RFC 2047 "Q": "_" is a space, "=XX" a byte, anything else itself. */
function decodeQ(data: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const char = data[i]!;
    const hex = char === "=" ? data.slice(i + 1, i + 3) : "";
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(char === "_" ? 0x20 : char.charCodeAt(0) & 0xff);
  }
  return Uint8Array.from(bytes);
}
