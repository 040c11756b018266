// Text in request headers (Filename, Message): HTTP headers are bytes, and Bun and Deno
// hand their bytes over one character per byte (Latin-1). Clients send non-ASCII text as
// raw UTF-8 (curl, 1C's HTTPЗапрос) or as RFC 2047 encoded words (=?UTF-8?B?…?=, as ntfy
// accepts), so both are decoded; bytes that are no UTF-8 stay Latin-1. Linear.
import { Buffer } from "node:buffer";

const UTF8 = new TextDecoder("utf-8", { fatal: true });

export function headerText(value: string): string {
  const text = /[\u0080-\u00ff]/.test(value) && !/[^\u0000-\u00ff]/.test(value) ? utf8OrAsIs(value) : value;
  return text.includes("=?") ? decodeEncodedWords(text) : text;
}

function utf8OrAsIs(value: string): string {
  try {
    return UTF8.decode(Buffer.from(value, "latin1"));
  } catch {
    return value;
  }
}

/** RFC 2047: `=?charset?B|Q?text?=`, UTF-8 and Latin-1; whitespace between two encoded words is dropped. */
function decodeEncodedWords(text: string): string {
  return text
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?([\w-]+)\?([BbQq])\?([^?\s]*)\?=/g, (word, charset: string, encoding: string, data: string) => {
      const set = charset.toLowerCase();
      if (set !== "utf-8" && set !== "iso-8859-1" && set !== "latin1") return word;
      const bytes = encoding.toUpperCase() === "B" ? Buffer.from(data, "base64") : qBytes(data);
      if (set !== "utf-8") return bytes.toString("latin1");
      try {
        return UTF8.decode(bytes);
      } catch {
        return word;
      }
    });
}

/** The "Q" encoding: "_" is a space, "=XX" a byte. */
function qBytes(data: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const char = data[i]!;
    if (char === "_") bytes.push(0x20);
    else if (char === "=" && /^[0-9a-f]{2}$/i.test(data.slice(i + 1, i + 3))) {
      bytes.push(parseInt(data.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(char.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}
