// data_dir/keys.log: append-only JSON lines, one record per line, readable with jq.
// A record counts only when its line is complete. Appends are group-committed: lines
// queued while an fsync runs are written together and flushed by the next fsync, so
// 300 simultaneous key requests cost a handful of fsyncs, not 300.
import { open, truncate } from "node:fs/promises";
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

/**
 * A line in the exact form KeyLogWriter writes (JSON.stringify of a record, string values
 * without escapes), recognized byte by byte without building objects. Strings are spans
 * [start, end) of their UTF-8 bytes between the quotes; start -1 is null. Only valid JSON
 * matches, and its meaning is the one JSON.parse gives; anything else (escapes, other key
 * order, extra fields, spaces, CRLF) goes through JSON.parse as before.
 */
export interface CanonicalRecord {
  type: "issued" | "revoked" | "blocked" | "migrated";
  key: number;
  /** issued, migrated */
  chatId: number;
  /** migrated */
  fromChatId: number;
  /** "by" of revoked, "reason" of blocked */
  detailStart: number;
  detailEnd: number;
  botStart: number;
  botEnd: number;
  chatTypeStart: number;
  chatTypeEnd: number;
  usernameStart: number;
  usernameEnd: number;
  nameStart: number;
  nameEnd: number;
  atStart: number;
  atEnd: number;
}

export interface ReplayOptions {
  /** Cut a torn last line off the file (serve); read-only commands leave the file alone. */
  repairTail: boolean;
  onWarning?: (message: string) => void;
  /**
   * Receives canonical lines instead of onRecord (the record object is never built).
   * `bytes` and `record` are reused: copy what you keep before returning.
   */
  onCanonical?: (bytes: Uint8Array, record: CanonicalRecord, line: number) => void;
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
  const match = newCanonical();
  const onCanonical = options.onCanonical ?? ((bytes: Uint8Array, m: CanonicalRecord, line: number) => onRecord(canonicalToRecord(bytes, m, decoder), line));
  let line = 0;
  let records = 0;
  let damaged: { line: number; start: number; reason: string } | undefined;
  /** One line: bytes[start, end) at file offset `fileStart`, without its newline. */
  const consumeLine = (bytes: Uint8Array, start: number, end: number, fileStart: number): void => {
    line++;
    if (matchCanonical(bytes, start, end, match)) {
      if (damaged) throw damageError(path, damaged.line, damaged.reason);
      onCanonical(bytes, match, line);
      records++;
      return;
    }
    const text = decoder.decode(bytes.subarray(start, end));
    if (text.trim() === "") return; // blank line: harmless
    const parsed = parseRecord(text);
    if (typeof parsed === "string") {
      damaged ??= { line, start: fileStart, reason: parsed };
      return;
    }
    if (damaged) throw damageError(path, damaged.line, damaged.reason);
    onRecord(parsed, line);
    records++;
  };
  let buffer = new Uint8Array(CHUNK);
  let filled = 0; // bytes in buffer; buffer[0] is at file offset `base`
  let base = 0;
  try {
    for (;;) {
      if (filled === buffer.length) {
        // One line longer than the buffer (hand edit): make room.
        const bigger = new Uint8Array(buffer.length * 2);
        bigger.set(buffer);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      const scanFrom = filled;
      filled += bytesRead;
      let start = 0;
      let newline = buffer.indexOf(NEWLINE, scanFrom);
      while (newline !== -1 && newline < filled) {
        consumeLine(buffer, start, newline, base + start);
        start = newline + 1;
        newline = buffer.indexOf(NEWLINE, start);
        if (newline >= filled) newline = -1;
      }
      // Keep the incomplete last line at the front of the buffer.
      buffer.copyWithin(0, start, filled);
      base += start;
      filled -= start;
    }
  } finally {
    await handle.close();
  }
  const position = base + filled;
  let needsNewline = false;
  if (filled > 0) {
    // No newline at the end: a complete record counts (a hand edit), anything else is a torn append.
    line++;
    const parsed = matchCanonical(buffer, 0, filled, match) ? match : parseRecord(decoder.decode(buffer.subarray(0, filled)));
    if (typeof parsed === "string") {
      damaged ??= { line, start: base, reason: "incomplete line" };
    } else {
      if (damaged) throw damageError(path, damaged.line, damaged.reason);
      if (parsed === match) onCanonical(buffer, match, line);
      else onRecord(parsed as KeyLogRecord, line);
      records++;
      needsNewline = true;
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

function newCanonical(): CanonicalRecord {
  return { type: "issued", key: 0, chatId: 0, fromChatId: 0, detailStart: -1, detailEnd: -1, botStart: -1, botEnd: -1, chatTypeStart: -1, chatTypeEnd: -1, usernameStart: -1, usernameEnd: -1, nameStart: -1, nameEnd: -1, atStart: -1, atEnd: -1 };
}

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const TYPE_PREFIX = ascii('{"type":"');
const ISSUED = ascii('issued","key":"');
const REVOKED = ascii('revoked","key":"');
const BLOCKED = ascii('blocked","key":"');
const MIGRATED = ascii('migrated","key":"');
const BOT = ascii('","bot":');
const CHAT_ID_AFTER_KEY = ascii('","chat_id":');
const CHAT_ID = ascii(',"chat_id":');
const CHAT_TYPE = ascii(',"chat_type":');
const USERNAME = ascii(',"username":');
const NAME = ascii(',"name":');
const AT = ascii(',"at":');
const BY = ascii('","by":');
const REASON = ascii('","reason":');
const FROM_CHAT_ID = ascii(',"from_chat_id":');

function literal(bytes: Uint8Array, p: number, end: number, text: Uint8Array): number {
  if (p < 0 || end - p < text.length) return -1;
  for (let i = 0; i < text.length; i++) if (bytes[p + i] !== text[i]) return -1;
  return p + text.length;
}

/** A string without escapes or control characters at p; the index after its closing quote. */
function string(bytes: Uint8Array, p: number, end: number): number {
  if (p < 0 || p >= end || bytes[p] !== 34) return -1;
  for (let i = p + 1; i < end; i++) {
    const b = bytes[i]!;
    if (b === 34) return i + 1;
    if (b === 92 || b < 32) return -1;
  }
  return -1;
}

/** 8 digits, the first not 0, then the closing quote (the opening one ends the literal before). */
function key(bytes: Uint8Array, p: number, end: number, m: CanonicalRecord): number {
  if (p < 0 || end - p < 9) return -1;
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const digit = bytes[p + i]! - 48;
    if (digit < (i === 0 ? 1 : 0) || digit > 9) return -1;
    value = value * 10 + digit;
  }
  m.key = value;
  return p + 8;
}

/** A JSON integer of at most 15 digits (exact as a double); its value in m.chatId. */
function integer(bytes: Uint8Array, p: number, end: number, m: CanonicalRecord): number {
  if (p < 0 || p >= end) return -1;
  const negative = bytes[p] === 45;
  if (negative) p++;
  const first = p;
  let value = 0;
  while (p < end && p - first < 16) {
    const digit = bytes[p]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    p++;
  }
  const digits = p - first;
  if (digits === 0 || digits > 15 || (digits > 1 && bytes[first] === 48)) return -1;
  m.chatId = negative ? -value : value;
  return p;
}

/** `null` (start -1) or a string; sets the span via the returned index and `spanStart`. */
let spanStart = -1;
function nullableString(bytes: Uint8Array, p: number, end: number): number {
  if (p < 0 || p >= end) return -1;
  if (bytes[p] === 110) {
    spanStart = -1;
    return end - p >= 4 && bytes[p + 1] === 117 && bytes[p + 2] === 108 && bytes[p + 3] === 108 ? p + 4 : -1;
  }
  spanStart = p + 1;
  return string(bytes, p, end);
}

/** Whether bytes[start, end) is a canonical record line; fills m. */
export function matchCanonical(bytes: Uint8Array, start: number, end: number, m: CanonicalRecord): boolean {
  let p = literal(bytes, start, end, TYPE_PREFIX);
  if (p < 0) return false;
  const kind = bytes[p];
  let q: number;
  if (kind === 105) {
    p = key(bytes, literal(bytes, p, end, ISSUED), end, m);
    q = string(bytes, literal(bytes, p, end, BOT), end);
    if (q < 0) return false;
    m.botStart = p + BOT.length + 1;
    m.botEnd = q - 1;
    p = integer(bytes, literal(bytes, q, end, CHAT_ID), end, m);
    q = string(bytes, literal(bytes, p, end, CHAT_TYPE), end);
    if (q < 0) return false;
    m.chatTypeStart = p + CHAT_TYPE.length + 1;
    m.chatTypeEnd = q - 1;
    p = nullableString(bytes, literal(bytes, q, end, USERNAME), end);
    if (p < 0) return false;
    m.usernameStart = spanStart;
    m.usernameEnd = p - 1;
    p = nullableString(bytes, literal(bytes, p, end, NAME), end);
    if (p < 0) return false;
    m.nameStart = spanStart;
    m.nameEnd = p - 1;
    m.type = "issued";
  } else if (kind === 114 || kind === 98) {
    const revoked = kind === 114;
    p = key(bytes, literal(bytes, p, end, revoked ? REVOKED : BLOCKED), end, m);
    const label = revoked ? BY : REASON;
    q = string(bytes, literal(bytes, p, end, label), end);
    if (q < 0) return false;
    m.detailStart = p + label.length + 1;
    m.detailEnd = q - 1;
    p = q;
    m.type = revoked ? "revoked" : "blocked";
  } else if (kind === 109) {
    p = key(bytes, literal(bytes, p, end, MIGRATED), end, m);
    p = integer(bytes, literal(bytes, p, end, CHAT_ID_AFTER_KEY), end, m);
    const chatId = m.chatId;
    p = integer(bytes, literal(bytes, p, end, FROM_CHAT_ID), end, m);
    m.fromChatId = m.chatId;
    m.chatId = chatId;
    m.type = "migrated";
  } else {
    return false;
  }
  q = string(bytes, literal(bytes, p, end, AT), end);
  if (q < 0 || q !== end - 1 || bytes[q] !== 125) return false;
  m.atStart = p + AT.length + 1;
  m.atEnd = q - 1;
  return true;
}

/** The record JSON.parse would give for a canonical line. */
export function canonicalToRecord(bytes: Uint8Array, m: CanonicalRecord, decoder = new TextDecoder()): KeyLogRecord {
  const text = (start: number, end: number) => (start < 0 ? null : decoder.decode(bytes.subarray(start, end)));
  const key = String(m.key);
  const at = text(m.atStart, m.atEnd)!;
  switch (m.type) {
    case "issued":
      return { type: "issued", key, bot: text(m.botStart, m.botEnd)!, chat_id: m.chatId, chat_type: text(m.chatTypeStart, m.chatTypeEnd) as ChatType, username: text(m.usernameStart, m.usernameEnd), name: text(m.nameStart, m.nameEnd), at };
    case "migrated":
      return { type: "migrated", key, chat_id: m.chatId, from_chat_id: m.fromChatId, at };
    case "revoked":
      return { type: "revoked", key, by: text(m.detailStart, m.detailEnd) as "user" | "admin", at };
    case "blocked":
      return { type: "blocked", key, reason: text(m.detailStart, m.detailEnd)!, at };
  }
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
