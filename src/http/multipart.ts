// A streaming multipart/form-data reader (RFC 7578 over RFC 2046): parts are handed to
// their sinks as the bytes arrive, so a 50 MiB file goes to disk chunk by chunk and is
// never held whole. The scan is linear: each chunk is searched once for the delimiter
// (CRLF "--" boundary, at most 74 bytes) with Buffer.indexOf; only the last delimiter-
// length bytes of a chunk are carried over, and a part's headers are bounded.
import { Buffer } from "node:buffer";
import { httpError } from "./errors.ts";

/** A part's headers, as far as a form needs them. */
export interface PartHead {
  name: string;
  /** Present (possibly "") when the part is a file. */
  filename?: string;
  contentType?: string;
}

export interface PartSink {
  write(chunk: Uint8Array): void | Promise<void>;
  end(): void | Promise<void>;
}

/** Called at each part's start; the sink gets its bytes, then end(). A throw stops the read. */
export type PartHandler = (head: PartHead) => PartSink | Promise<PartSink>;

/** A part's header block may be at most this long (names and filenames are in it). */
export const MAX_PART_HEADER_BYTES = 16 * 1024;

/** The boundary from a Content-Type, or a 400. */
export function boundaryOf(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw httpError("bad_body", "multipart/form-data without a boundary parameter (1 to 70 characters) in Content-Type");
  return boundary;
}

type State = "body" | "after" | "headers" | "end";

/**
 * Reads the whole form from `chunks`, calling `onPart` for each part. The preamble (before
 * the first boundary) and epilogue (after the last) are ignored. A form without its
 * closing boundary is a 400.
 */
export async function readMultipart(chunks: AsyncIterable<Uint8Array>, boundary: string, onPart: PartHandler): Promise<void> {
  const reader = new MultipartScanner(boundary, onPart);
  // The first boundary has no CRLF before it: pretend it has, so one delimiter fits all.
  await reader.push(CRLF);
  for await (const chunk of chunks) await reader.push(chunk);
  if (!reader.done) throw httpError("bad_body", "the multipart body ended before its closing boundary (--boundary--)");
}

const CRLF = new Uint8Array([13, 10]);
const EMPTY = Buffer.alloc(0);
/**
 * Parts in one form: a notification has a few fields and up to 10 files. A megabyte of
 * tiny parts (17,000) held the event loop for 60 ms: parts come a whole chunk at a time,
 * and awaiting a sink is a microtask, not a turn.
 */
export const MAX_FORM_PARTS = 1000;
const HEADER_END = Buffer.from("\r\n\r\n");

class MultipartScanner {
  readonly #delimiter: Buffer;
  #state: State = "body";
  /** Bytes carried over from the last chunk: a possible start of the delimiter, or headers so far. */
  #pending: Buffer = EMPTY;
  /** The part being read; undefined for the preamble. */
  #sink: PartSink | undefined;
  #parts = 0;

  constructor(
    boundary: string,
    private readonly onPart: PartHandler,
  ) {
    this.#delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  get done(): boolean {
    return this.#state === "end";
  }

  async push(chunk: Uint8Array): Promise<void> {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (data.length > 0) {
      if (this.#state === "end") return;
      if (this.#state === "body") data = await this.#body(data);
      else if (this.#state === "after") data = await this.#after(data);
      else data = await this.#headers(data);
    }
  }

  /** Part data up to the next delimiter; returns what follows it (or nothing, carrying a tail). */
  async #body(data: Buffer): Promise<Buffer> {
    const d = this.#delimiter.length;
    const tail = this.#pending;
    if (tail.length > 0) {
      // A delimiter may start in the carried tail and end in this chunk: look in a small window.
      const window = Buffer.concat([tail, data.subarray(0, d - 1)]);
      const at = window.indexOf(this.#delimiter);
      this.#pending = EMPTY;
      if (at >= 0 && at < tail.length) {
        await this.#emit(tail.subarray(0, at));
        return this.#delimiterFound(data.subarray(at + d - tail.length));
      }
      if (data.length < d - 1) return this.#carry(window);
      // No delimiter starts in the tail (the window covered every one that could).
      await this.#emit(tail);
    }
    const at = data.indexOf(this.#delimiter);
    if (at >= 0) {
      await this.#emit(data.subarray(0, at));
      return this.#delimiterFound(data.subarray(at + d));
    }
    return this.#carry(data);
  }

  /** Emits all but the last delimiter-length-minus-one bytes, which may start a delimiter; they wait for the next chunk. */
  async #carry(data: Buffer): Promise<Buffer> {
    const keep = Math.min(this.#delimiter.length - 1, data.length);
    await this.#emit(data.subarray(0, data.length - keep));
    // A copy: the chunk's buffer may be reused by the stream.
    this.#pending = Buffer.from(data.subarray(data.length - keep));
    return EMPTY;
  }

  async #delimiterFound(rest: Buffer): Promise<Buffer> {
    await this.#sink?.end();
    this.#sink = undefined;
    this.#state = "after";
    return rest;
  }

  /** After a delimiter: "--" ends the form; else optional spaces and CRLF start a part's headers. */
  async #after(data: Buffer): Promise<Buffer> {
    const bytes = this.#pending.length > 0 ? Buffer.concat([this.#pending, data]) : data;
    this.#pending = EMPTY;
    if (bytes.length < 2) {
      this.#pending = Buffer.from(bytes);
      return EMPTY;
    }
    if (bytes[0] === 0x2d && bytes[1] === 0x2d) {
      this.#state = "end";
      return EMPTY;
    }
    let i = 0;
    while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09)) i++;
    if (i + 2 > bytes.length) {
      if (i > 64) throw httpError("bad_body", "the multipart body has a malformed boundary line");
      this.#pending = Buffer.from(bytes);
      return EMPTY;
    }
    if (bytes[i] !== 13 || bytes[i + 1] !== 10) throw httpError("bad_body", "the multipart body has a malformed boundary line (expected CRLF after the boundary)");
    this.#state = "headers";
    return bytes.subarray(i + 2);
  }

  /** A part's headers up to the blank line, bounded; then its sink is asked for. */
  async #headers(data: Buffer): Promise<Buffer> {
    const start = Math.max(0, this.#pending.length - 3);
    const bytes = this.#pending.length > 0 ? Buffer.concat([this.#pending, data]) : data;
    const at = bytes.indexOf(HEADER_END, start);
    const limit = MAX_PART_HEADER_BYTES;
    if (at < 0) {
      if (bytes.length > limit) throw httpError("bad_body", `a multipart part's headers are longer than ${limit} bytes`);
      this.#pending = Buffer.from(bytes);
      return EMPTY;
    }
    if (at > limit) throw httpError("bad_body", `a multipart part's headers are longer than ${limit} bytes`);
    this.#pending = EMPTY;
    if (++this.#parts > MAX_FORM_PARTS) throw httpError("bad_body", `the multipart form has more than ${MAX_FORM_PARTS} parts; a notification has a few fields and at most 10 files`);
    const head = parsePartHead(bytes.subarray(0, at));
    this.#sink = await this.onPart(head);
    this.#state = "body";
    return bytes.subarray(at + HEADER_END.length);
  }

  async #emit(bytes: Buffer): Promise<void> {
    if (bytes.length > 0 && this.#sink) await this.#sink.write(bytes);
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Content-Disposition's name and filename (filename* per RFC 5987 preferred), and Content-Type. */
export function parsePartHead(block: Uint8Array): PartHead {
  let text: string;
  try {
    text = UTF8.decode(block);
  } catch {
    // Some clients send filenames in Latin-1; read them byte for byte rather than refuse.
    text = new TextDecoder("latin1").decode(block);
  }
  let disposition: Record<string, string> | undefined;
  let contentType: string | undefined;
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = parseDisposition(value);
    else if (name === "content-type") contentType = value;
  }
  if (!disposition || disposition[""] !== "form-data" || disposition.name === undefined)
    throw httpError("bad_body", 'a multipart part has no Content-Disposition: form-data; name="…"');
  const head: PartHead = { name: disposition.name };
  const filename = disposition["filename*"] !== undefined ? decodeExtValue(disposition["filename*"]) : disposition.filename;
  if (filename !== undefined) head.filename = filename;
  if (contentType !== undefined) head.contentType = contentType;
  return head;
}

/**
 * `form-data; name="a"; filename="b \"c\".pdf"` → {"": "form-data", name: "a", filename: 'b "c".pdf'}.
 * One pass: quoted strings with backslash escapes, or tokens up to ";".
 */
function parseDisposition(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = value.indexOf(";");
  out[""] = (i < 0 ? value : value.slice(0, i)).trim().toLowerCase();
  while (i >= 0 && i < value.length) {
    i++;
    const eq = value.indexOf("=", i);
    if (eq < 0) break;
    const key = value.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (value[i] === " ") i++;
    let text = "";
    if (value[i] === '"') {
      for (i++; i < value.length && value[i] !== '"'; i++) text += value[i] === "\\" && i + 1 < value.length ? value[++i] : value[i];
      i = value.indexOf(";", i);
    } else {
      const end = value.indexOf(";", i);
      text = (end < 0 ? value.slice(i) : value.slice(i, end)).trim();
      i = end;
    }
    if (!(key in out)) out[key] = text;
  }
  return out;
}

/** RFC 5987 `UTF-8''%D0%A1%D1%87.pdf` (or ISO-8859-1); undefined-safe: a bad one is taken as written. */
function decodeExtValue(value: string): string {
  const match = /^([\w-]*)'[\w-]*'(.*)$/.exec(value);
  if (!match) return value;
  try {
    if (match[1]!.toLowerCase() === "utf-8") return decodeURIComponent(match[2]!);
    return unescape(match[2]!);
  } catch {
    return match[2]!;
  }
}
