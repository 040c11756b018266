// The one storage primitive: an append-only file of JSON lines, one record per line,
// readable with jq. keys.log, outbox.log and inbox.log are built on it.
//   - Group commit: appends that arrive while an fsync runs are written together and
//     share the next fsync, so 300 concurrent requests cost a handful of disk flushes.
//   - Cut-back: a batch whose write or fsync fails (disk full) is truncated back to the
//     last complete record. Its callers were told it failed, so it must not come back at
//     replay, and a half line must never sit in the middle where later appends bury it.
//   - Replay: a torn last line (a crash mid-append) is cut off with a warning; a damaged
//     line followed by good ones, or a whole line that is no record, stops the start,
//     naming file:line.
//   - A full disk (ENOSPC, EDQUOT) is one StorageFullError, whatever call ran out.
//   - Compaction: the file is replaced by a snapshot (temp file + fsync + rename) at a
//     batch boundary; if that fails, the old file stays and appending carries on.
import { noSpaceCode, StateError, StorageFullError } from "../lib/errors.ts";
import type { AppendFile, Platform } from "../platform/platform.ts";

/** A parsed JSON line as a record, or a short reason why it is not one. */
export type LineDecoder<T extends object> = (value: unknown) => T | string;

export interface ReplayOptions<T extends object> {
  decode: LineDecoder<T>;
  onRecord: (record: T, line: number, text: string) => void;
  /** Cut a torn last line off the file (a server); read-only commands leave the file alone. */
  repairTail: boolean;
  onWarning: (message: string) => void;
  /** The StateError for a damaged line followed by good ones: its code and how to fix it. */
  damaged?: { code: string; fix?: string };
  /** Repair mode: each damaged line is handed here and replay goes on (no error, no cut). */
  onDamaged?: (line: number, reason: string, text: string) => void;
}

export interface Replayed {
  records: number;
  /** Bytes of complete records: where the next append goes. */
  size: number;
  /** The last record lacks its newline (a hand edit): the next append adds one first. */
  needsNewline: boolean;
}

const NEWLINE = 10;
const DEFAULT_FIX = "stop tgsignal, back the file up, fix or delete that line, and start again.";

const NOT_JSON = "not valid JSON";

/**
 * Reads the log and hands each record to `onRecord`, in order; blank lines are skipped.
 * An unparsable last line is a torn append (the process died mid-write): cut off with a
 * warning. An unparsable line followed by good ones is damage: a StateError naming
 * file:line, never a skip. So is a line of valid JSON that the decoder refuses, even the
 * last: a cut JSON object never parses, so that line was written whole, by hand or by a
 * bug, and cutting it would silently drop what someone meant to keep.
 */
export async function replayLog<T extends object>(platform: Platform, path: string, options: ReplayOptions<T>): Promise<Replayed> {
  const bytes = await readIfExists(platform, path);
  if (bytes.length === 0) return { records: 0, size: 0, needsNewline: false };
  const lines = new TextDecoder().decode(bytes).split("\n");
  let records = 0;
  let damaged: { line: number; reason: string } | undefined;
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index]!;
    if (text.trim() === "") continue;
    const record = decodeLine(text, options.decode);
    if (typeof record === "string") {
      if (options.onDamaged) {
        options.onDamaged(index + 1, record, text);
        continue;
      }
      damaged ??= { line: index + 1, reason: record };
      if (record !== NOT_JSON) throw damageError(path, damaged, "", options.damaged);
      continue;
    }
    if (damaged) throw damageError(path, damaged, " followed by good ones", options.damaged);
    options.onRecord(record, index + 1, text);
    records++;
  }
  if (!damaged) return { records, size: bytes.length, needsNewline: bytes[bytes.length - 1] !== NEWLINE };
  const start = lineStart(bytes, damaged.line);
  options.onWarning(`${path}:${damaged.line}: torn last record (${damaged.reason}); ${options.repairTail ? "cut off" : "ignored"}`);
  if (options.repairTail) await platform.truncate(path, start);
  return { records, size: start, needsNewline: false };
}

function decodeLine<T extends object>(text: string, decode: LineDecoder<T>): T | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
  return decode(value);
}

async function readIfExists(platform: Platform, path: string): Promise<Uint8Array> {
  try {
    return await platform.readBytes(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return new Uint8Array(0);
    throw error;
  }
}

/** The byte offset where 1-based `line` starts (counted in bytes: a torn tail may be half a character). */
function lineStart(bytes: Uint8Array, line: number): number {
  let offset = 0;
  for (let n = 1; n < line; n++) offset = bytes.indexOf(NEWLINE, offset) + 1;
  return offset;
}

function damageError(path: string, at: { line: number; reason: string }, context: string, damaged: ReplayOptions<object>["damaged"]): StateError {
  return new StateError(
    damaged?.code ?? "log_damaged",
    `${path}:${at.line}: damaged record (${at.reason})${context}; not starting, so no record is silently lost. ` +
      `Fix: ${damaged?.fix ?? DEFAULT_FIX}`,
  );
}

/** A full disk as the one StorageFullError (HTTP 507, exit 3); any other error as it is. */
export function toStorageError(path: string, error: unknown): unknown {
  const noSpace = noSpaceCode(error);
  return noSpace ? new StorageFullError(path, noSpace) : error;
}

export interface AppendLogOptions {
  platform: Platform;
  path: string;
  /** Where replay left the file (a new log: `{ size: 0, needsNewline: false }`). */
  replayed: Pick<Replayed, "size" | "needsNewline">;
  /** Told when a compaction failed; appending carries on with the old file. */
  onCompactionError?: (error: unknown) => void;
}

export interface OpenLogOptions<T extends object> extends Omit<ReplayOptions<T>, "onRecord"> {
  platform: Platform;
  path: string;
  onCompactionError?: (error: unknown) => void;
}

/** A replayed log: its records in order (with their 1-based lines), and its writing end. */
export interface OpenedLog<T, W> {
  records: Array<{ record: T; line: number }>;
  log: AppendLog<W>;
}

/** Replays the log (see replayLog) and opens its writing end where replay left the file. */
export async function openAppendLog<T extends object, W>(options: OpenLogOptions<T>): Promise<OpenedLog<T, W>> {
  const { platform, path, onCompactionError, ...replay } = options;
  const records: OpenedLog<T, W>["records"] = [];
  const replayed = await replayLog(platform, path, { ...replay, onRecord: (record, line) => void records.push({ record, line }) });
  return { records, log: new AppendLog<W>({ platform, path, replayed, ...(onCompactionError && { onCompactionError }) }) };
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const encoder = new TextEncoder();

/** The writing end of a log; `W` is the shape of a line (JSON.stringify'd as is). */
export class AppendLog<W> {
  readonly path: string;
  readonly #platform: Platform;
  readonly #onCompactionError: ((error: unknown) => void) | undefined;
  /** Bytes of complete records in the file: where a failed batch is cut back to. */
  #size: number;
  #needsNewline: boolean;
  /** A cut-back that failed: retried before anything else is written after the half line. */
  #cutBackDue = false;
  /** Opened on the first write, so read-only users of a log never create or open it. */
  #file: AppendFile | undefined;
  #queue: Pending[] = [];
  #snapshot: (() => W[]) | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  #appendsSinceCompaction = 0;

  constructor(options: AppendLogOptions) {
    this.path = options.path;
    this.#platform = options.platform;
    this.#onCompactionError = options.onCompactionError;
    this.#size = options.replayed.size;
    this.#needsNewline = options.replayed.needsNewline;
  }

  /** Appends made since the last compaction was asked for (to decide when to ask again). */
  get appendsSinceCompaction(): number {
    return this.#appendsSinceCompaction;
  }

  /** Resolves once the line is on disk (fsynced); rejects if it is not. Lines keep call order. */
  append(record: W): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`${this.path} is closed`));
    const line = JSON.stringify(record);
    this.#appendsSinceCompaction++;
    return new Promise((resolve, reject) => {
      this.#queue.push({ line, resolve, reject });
      this.#kick();
    });
  }

  /**
   * Compacts at the next batch boundary: the file becomes `snapshot()`. The snapshot must
   * hold every record appended so far (callers change memory before they append), so the
   * lines queued with it are not written again.
   */
  compact(snapshot: () => W[]): void {
    if (this.#closed) return;
    this.#snapshot = snapshot;
    this.#appendsSinceCompaction = 0;
    this.#kick();
  }

  /** Waits until everything queued is on disk (or has failed). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Refuses new appends, writes what is queued and closes the file. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    await this.#file?.close();
    this.#file = undefined;
  }

  #kick(): void {
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#queue.length > 0 || this.#snapshot) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#snapshot) {
      const snapshot = this.#snapshot;
      this.#snapshot = undefined;
      const batch = this.#queue.splice(0);
      try {
        const compacted = snapshot !== undefined && (await this.#compact(snapshot));
        if (!compacted) await this.#write(batch.map((pending) => pending.line));
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
  }

  /**
   * One write and one fsync for the whole batch; on failure the file is cut back. A full
   * disk becomes one StorageFullError (HTTP 507), whichever call ran out of space.
   */
  async #write(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    if (this.#cutBackDue) await this.#cutBack();
    const bytes = encoder.encode((this.#needsNewline ? "\n" : "") + lines.join("\n") + "\n");
    try {
      this.#file ??= await this.#platform.openAppend(this.path);
      await this.#file.write(bytes);
      await this.#file.sync();
    } catch (error) {
      // If the cut-back fails too, the next write tries again before appending anything.
      if (this.#file) {
        this.#cutBackDue = true;
        await this.#cutBack().catch(() => {});
      }
      throw toStorageError(this.path, error);
    }
    this.#size += bytes.length;
    this.#needsNewline = false;
  }

  async #cutBack(): Promise<void> {
    await this.#platform.truncate(this.path, this.#size);
    this.#cutBackDue = false;
  }

  /**
   * The snapshot is written beside the file and renamed over it before the old one is
   * closed: if that fails (disk full), the old file is intact and the caller writes the
   * batch there instead (false); compaction is tried again when asked again.
   */
  async #compact(snapshot: () => W[]): Promise<boolean> {
    const lines = snapshot().map((record) => JSON.stringify(record));
    const bytes = encoder.encode(lines.length === 0 ? "" : lines.join("\n") + "\n");
    try {
      await this.#platform.writeFileAtomic(this.path, bytes);
    } catch (error) {
      this.#onCompactionError?.(error);
      return false;
    }
    const old = this.#file;
    this.#file = undefined;
    this.#size = bytes.length;
    this.#needsNewline = false;
    this.#cutBackDue = false;
    // The old file is no longer the log: everything in it is in the durable snapshot, so
    // failing to close it loses nothing.
    await old?.close().catch(() => {});
    return true;
  }
}
