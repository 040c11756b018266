// data_dir/keys.log: append-only JSON lines, one record per line, readable with jq.
// A record counts only when its line is complete. Appends are group-committed: lines
// queued while an fsync runs are written together and flushed by the next fsync, so
// 300 simultaneous key requests cost a handful of fsyncs, not 300.
import { open, truncate } from "node:fs/promises";
import { Buffer } from "node:buffer";
import { StateError } from "../lib/errors.ts";
import type { AppendFile, Platform } from "../platform/platform.ts";
import type { ChatType } from "./types.ts";

export type KeyLogRecord =
  | {
      type: "issued";
      key: string;
      bot: string;
      chat_id: number;
      chat_type: ChatType;
      username: string | null;
      name: string | null;
      at: string;
    }
  | { type: "revoked"; key: string; by: "user" | "admin"; at: string }
  | { type: "blocked"; key: string; reason: string; at: string }
  | { type: "migrated"; key: string; chat_id: number; from_chat_id: number; at: string };

export const KEY_LOG_FILE = "keys.log";

export interface ReplayOptions {
  /** Cut a torn last line off the file (serve); read-only commands leave the file alone. */
  repairTail: boolean;
  onWarning?: (message: string) => void;
}

export interface ReplayResult {
  records: number;
  /** Byte length of the valid part of the file (where the next append goes). */
  validBytes: number;
  /** The last complete record lacked its newline (hand edit); the next append adds one. */
  needsNewline: boolean;
}

const CHUNK = 4 * 1024 * 1024;
const NEWLINE = 10;

/**
 * Reads the log record by record. A bad last line is a torn append (crash mid-write):
 * cut off with a warning. A bad line followed by good ones is damage: a StateError
 * naming file:line and the fix, never a silent skip.
 */
export async function replayKeyLog(
  path: string,
  onRecord: (record: KeyLogRecord, line: number) => void,
  options: ReplayOptions,
): Promise<ReplayResult> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: 0, validBytes: 0, needsNewline: false };
    throw error;
  }
  const decoder = new TextDecoder();
  let carry: Uint8Array = new Uint8Array(0);
  let position = 0;
  let line = 0;
  let records = 0;
  let damaged: { line: number; start: number; reason: string } | undefined;
  const accept = (record: KeyLogRecord) => {
    if (damaged) throw damageError(path, damaged.line, damaged.reason);
    onRecord(record, line);
    records++;
  };
  /** Complete lines (without the final newline) starting at byte `start`. */
  const consumeBlock = (bytes: Uint8Array, start: number) => {
    const text = decoder.decode(bytes);
    const fast = damaged ? undefined : parseBlock(text);
    if (fast) {
      for (const record of fast) (line++, accept(record));
      return;
    }
    let offset = start;
    for (const text_ of text.split("\n")) {
      line++;
      const lineStart = offset;
      offset += Buffer.byteLength(text_) + 1;
      if (text_.trim() === "") continue; // blank line: harmless
      const parsed = parseRecord(text_);
      if (typeof parsed === "string") damaged ??= { line, start: lineStart, reason: parsed };
      else accept(parsed);
    }
  };
  try {
    const buffer = new Uint8Array(CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const chunk = concat(carry, buffer.subarray(0, bytesRead));
      const chunkStart = position - carry.length;
      position += bytesRead;
      const lastNewline = chunk.lastIndexOf(NEWLINE);
      if (lastNewline === -1) {
        carry = chunk.slice();
        continue;
      }
      consumeBlock(chunk.subarray(0, lastNewline), chunkStart);
      carry = chunk.slice(lastNewline + 1);
    }
  } finally {
    await handle.close();
  }
  const tailStart = position - carry.length;
  let needsNewline = false;
  if (carry.length > 0) {
    const parsed = parseRecord(decoder.decode(carry));
    if (typeof parsed !== "string" && damaged) throw damageError(path, damaged.line, damaged.reason);
    if (typeof parsed !== "string") {
      onRecord(parsed, ++line);
      records++;
      needsNewline = true;
    } else {
      damaged ??= { line: line + 1, start: tailStart, reason: "incomplete line" };
    }
  }
  if (!damaged) return { records, validBytes: position, needsNewline };
  // Only the last line is bad: a torn append.
  const message = `${path}:${damaged.line}: torn last record (${damaged.reason}); ${options.repairTail ? "cut off" : "ignored"}`;
  options.onWarning?.(message);
  if (options.repairTail) await truncate(path, damaged.start);
  return { records, validBytes: damaged.start, needsNewline: false };
}

function damageError(path: string, line: number, reason: string): StateError {
  return new StateError(
    "key_log_damaged",
    `${path}:${line}: damaged record (${reason}) followed by good ones; not starting, so no key is silently lost. ` +
      `Fix: stop tgsignal and run \`tgsignal keys repair -c <config>\` (moves the damaged line to ${KEY_LOG_FILE}.damaged and keeps the rest), ` +
      `or edit the file and delete or correct line ${line}.`,
  );
}

/**
 * Fast path for a block of lines: one JSON.parse for thousands of records (JSON strings
 * cannot hold a raw newline, so joining lines with commas is safe). Undefined when any
 * line is bad or blank; the caller then goes line by line to find it.
 */
function parseBlock(text: string): KeyLogRecord[] | undefined {
  let values: unknown[];
  try {
    values = JSON.parse("[" + text.replaceAll("\n", ",") + "]") as unknown[];
  } catch {
    return undefined;
  }
  for (const value of values) if (typeof checkRecord(value) === "string") return undefined;
  return values as KeyLogRecord[];
}

/** The record, or a short reason why the line is not one. */
export function parseRecord(text: string): KeyLogRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not valid JSON";
  }
  return checkRecord(value);
}

/** 8 digits, not starting with 0 (hand-rolled: this runs a million times at start). */
function isKey(value: unknown): boolean {
  if (typeof value !== "string" || value.length !== 8) return false;
  for (let i = 0; i < 8; i++) {
    const code = value.charCodeAt(i);
    if (code < (i === 0 ? 49 : 48) || code > 57) return false;
  }
  return true;
}

function checkRecord(value: unknown): KeyLogRecord | string {
  if (typeof value !== "object" || value === null) return "not a JSON object";
  const record = value as Record<string, unknown>;
  if (!isKey(record.key)) return 'missing or bad "key"';
  switch (record.type) {
    case "issued":
      if (typeof record.bot !== "string" || typeof record.chat_id !== "number") return 'issued record without "bot"/"chat_id"';
      return value as KeyLogRecord;
    case "migrated":
      if (typeof record.chat_id !== "number") return 'migrated record without "chat_id"';
      return value as KeyLogRecord;
    case "revoked":
    case "blocked":
      return value as KeyLogRecord;
    default:
      return `unknown type ${JSON.stringify(record.type)}`;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The writing end: each `append` resolves once its line is on disk (fsynced). */
export class KeyLogWriter {
  #file: AppendFile | undefined;
  #pending: Array<{ line: string; resolve: () => void; reject: (error: unknown) => void }> = [];
  #flushing: Promise<void> | undefined;
  #needsNewline: boolean;

  constructor(
    private readonly platform: Platform,
    readonly path: string,
    replay: Pick<ReplayResult, "needsNewline">,
  ) {
    this.#needsNewline = replay.needsNewline;
  }

  append(record: KeyLogRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ line: JSON.stringify(record) + "\n", resolve, reject });
      this.#flushing ??= this.#flush();
    });
  }

  async close(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    await this.#file?.close();
    this.#file = undefined;
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0);
        try {
          this.#file ??= await this.platform.openAppend(this.path);
          const prefix = this.#needsNewline ? "\n" : "";
          // One write per batch: with O_APPEND it lands whole at the end of the file.
          await this.#file.write(prefix + batch.map((entry) => entry.line).join(""));
          this.#needsNewline = false;
          await this.#file.sync();
          for (const entry of batch) entry.resolve();
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }
}
