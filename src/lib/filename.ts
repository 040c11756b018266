// A file name a caller sent, made fit to show to a person and to put in an upload's
// Content-Disposition. It is never used as a path (files are stored by hash); what it
// must not carry is what could mislead the person or break the upload: directories,
// control and bidirectional-override characters (an "invoice‮fdp.exe" shown reversed),
// double quotes (they end the multipart header's filename="…"), and a length no file
// system takes. Any letters (Cyrillic, CJK, emoji) stay as they are. Linear in the name.
import { isWhitespace } from "./whitespace.ts";

/** Longest name in UTF-8 bytes: what common file systems allow for one name. */
export const MAX_FILENAME_BYTES = 255;

// C0 and C1 controls, DEL, and the invisible formatting characters that reorder or hide
// text: LRM/RLM, the bidi embeddings and overrides, the bidi isolates, ZWSP, BOM.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * The name's last path segment, cleaned; `fallback` (e.g. "file.pdf") when nothing usable
 * is left. Leading dots go (no hidden files on the person's disk), as do trailing dots and
 * spaces (Windows drops them).
 */
export function sanitizeFilename(name: string, fallback: string): string {
  const segment = name.normalize("NFC").split(/[/\\]/).pop() ?? "";
  const cleaned = trimEnd(segment.replace(/\s+/g, " ").replace(INVISIBLE, "").replaceAll('"', "'").replace(/^[\s.]+/, ""));
  if (cleaned === "") return fallback;
  return fitBytes(cleaned, MAX_FILENAME_BYTES);
}

/** The extension with its dot ("" when none): what the cut keeps. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 && name.length - dot <= 16 ? name.slice(dot) : "";
}

const encoder = new TextEncoder();

function fitBytes(name: string, max: number): string {
  if (encoder.encode(name).length <= max) return name;
  const extension = extensionOf(name);
  const budget = max - encoder.encode(extension).length;
  let stem = "";
  let bytes = 0;
  // By code point, so a surrogate pair is never cut in half.
  for (const char of name.slice(0, name.length - extension.length)) {
    const size = encoder.encode(char).length;
    if (bytes + size > budget) break;
    stem += char;
    bytes += size;
  }
  return trimEnd(stem) + extension;
}

/**
 * Trailing dots and spaces cut by hand: `/[\s.]+$/` would try every run of them from each
 * of its starting points, quadratic in a hostile name.
 */
function trimEnd(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === "." || isWhitespace(text.charCodeAt(end - 1)))) end--;
  return text.slice(0, end);
}
