// The durable outbox: data_dir/outbox.log, one JSON record per line (readable with jq).
//   {"t":"n",...}      a notification: accepted (all queued) or, after compaction, its state
//   {"t":"sent",...}   part `p` of recipient `r` went out as message ids `mids`
//   {"t":"failed",...} recipient `r` failed permanently
// Accepting waits for the fsync (group commit); progress records ride along in the next
// batch, so a crash may resend a part whose record was not yet on disk (at-least-once).
// On start the log is replayed and rewritten compacted; while running it is compacted
// when it has grown well past what is live. Finished notifications are kept for 24 h as
// summaries without text, for GET /messages/{id} and Idempotency-Key.
import { join } from "node:path";
import type { Clock } from "../lib/clock.ts";
import { StateError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { Platform } from "../platform/platform.ts";
import { GroupCommitFile } from "./group-commit.ts";
import { decodeRecord, encodeNotification, type OutboxRecord } from "./outbox-records.ts";
import { isSettled, type NotificationState } from "./types.ts";

export const RETENTION_MS = 24 * 60 * 60 * 1000;
const MIN_COMPACT_APPENDS = 10_000;

export interface OutboxOptions {
  platform: Platform;
  clock: Clock;
  log: Logger;
  dataDir: string;
}

export type OutboxListener = (state: NotificationState) => void;

export class Outbox {
  readonly #byId = new Map<string, NotificationState>();
  readonly #byIdempotencyKey = new Map<string, NotificationState>();
  readonly #listeners = new Map<string, Set<OutboxListener>>();
  /** Accept writes not yet fsynced, by notification id. */
  readonly #accepting = new Map<string, Promise<void>>();
  readonly #file: GroupCommitFile;

  private constructor(private readonly options: OutboxOptions) {
    this.#file = new GroupCommitFile(options.platform, join(options.dataDir, "outbox.log"), (error) =>
      options.log.warn("outbox: compaction failed; still appending to the uncompacted file", { error }),
    );
  }

  /** Replays data_dir/outbox.log, rewrites it compacted and opens it for appending. */
  static async open(options: OutboxOptions): Promise<Outbox> {
    const outbox = new Outbox(options);
    await outbox.#replay();
    await outbox.#file.open(outbox.#snapshot());
    return outbox;
  }

  get(id: string): NotificationState | undefined {
    return this.#byId.get(id);
  }

  findByIdempotencyKey(client: string, key: string): NotificationState | undefined {
    const state = this.#byIdempotencyKey.get(idempotencyIndexKey(client, key));
    return state && this.options.clock.now() - state.at < RETENTION_MS ? state : undefined;
  }

  /** Notifications with a queued recipient, oldest first (to resume delivery). */
  pending(): NotificationState[] {
    return [...this.#byId.values()].filter((state) => !isSettled(state));
  }

  /** Recipients still queued, across all notifications. */
  depth(): number {
    let depth = 0;
    for (const state of this.#byId.values())
      for (const recipient of state.recipients) if (recipient.status === "queued") depth++;
    return depth;
  }

  /** Records a new notification; resolves once it is durable. */
  async accept(state: NotificationState): Promise<void> {
    // Indexed before the write so a compaction running meanwhile includes it.
    this.#index(state);
    const written = this.#file.append(JSON.stringify(encodeNotification(state, true)));
    this.#accepting.set(state.id, written);
    try {
      await written;
    } catch (error) {
      // The caller is told it failed and nothing will deliver it: forget it, or a retry
      // with the same Idempotency-Key would be answered with this never-queued state.
      this.#unindex(state);
      throw error;
    } finally {
      this.#accepting.delete(state.id);
    }
    this.#maybeCompact();
  }

  /**
   * Resolves once `state` (found by id or Idempotency-Key) is durable; rejects if its accept
   * write failed. A retry racing the first request must not be answered before that.
   */
  async accepted(state: NotificationState): Promise<void> {
    await this.#accepting.get(state.id);
  }

  /** Part `part` of recipient `index` went out; the recipient is delivered after the last part. */
  recordSent(state: NotificationState, index: number, part: number, messageIds: number[], warning?: string): Promise<void> {
    const record: OutboxRecord = { t: "sent", id: state.id, r: index, p: part, mids: messageIds, at: this.options.clock.now() };
    const recipient = state.recipients[index];
    if (recipient && recipient.chatId !== undefined) record.chat = recipient.chatId;
    if (warning) record.warn = warning;
    return this.#progress(state, record);
  }

  recordFailed(state: NotificationState, index: number, reason: string): Promise<void> {
    return this.#progress(state, { t: "failed", id: state.id, r: index, reason, at: this.options.clock.now() });
  }

  /** Calls `listener` after every change to notification `id`; returns the unsubscribe. */
  subscribe(id: string, listener: OutboxListener): () => void {
    let set = this.#listeners.get(id);
    if (!set) this.#listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(id);
    };
  }

  flush(): Promise<void> {
    return this.#file.flush();
  }

  close(): Promise<void> {
    return this.#file.close();
  }

  async #progress(state: NotificationState, record: OutboxRecord): Promise<void> {
    applyRecord(state, record);
    if (isSettled(state)) state.parts = [];
    for (const listener of this.#listeners.get(state.id) ?? []) listener(state);
    const written = this.#file.append(JSON.stringify(record));
    this.#maybeCompact();
    await written;
  }

  #index(state: NotificationState): void {
    this.#byId.set(state.id, state);
    if (state.idempotencyKey) this.#byIdempotencyKey.set(idempotencyIndexKey(state.client, state.idempotencyKey), state);
  }

  #unindex(state: NotificationState): void {
    if (this.#byId.get(state.id) === state) this.#byId.delete(state.id);
    if (!state.idempotencyKey) return;
    const key = idempotencyIndexKey(state.client, state.idempotencyKey);
    if (this.#byIdempotencyKey.get(key) === state) this.#byIdempotencyKey.delete(key);
  }

  /**
   * Compacts once the appends since the last rewrite outnumber the notifications held (the
   * rewrite's size), so rewriting costs O(1) per append. The factor must stay <= 1: a
   * one-recipient, one-part notification adds only 2 lines and stays held for 24 h, so a
   * larger factor (it was 4) never triggered and the log and memory grew without bound.
   */
  #maybeCompact(): void {
    if (this.#file.appendsSinceRewrite < Math.max(MIN_COMPACT_APPENDS, this.#byId.size)) return;
    this.#file.appendsSinceRewrite = 0;
    this.#file.requestRewrite(() => this.#snapshot());
  }

  /** The live state as records: expired finished notifications are dropped here. */
  #snapshot(): string[] {
    const now = this.options.clock.now();
    const lines: string[] = [];
    for (const state of this.#byId.values()) {
      const settled = isSettled(state);
      if (settled && now - lastChange(state) > RETENTION_MS) {
        // #unindex leaves the key alone if a newer notification reused it after 24 h.
        this.#unindex(state);
        continue;
      }
      lines.push(JSON.stringify(encodeNotification(state, !settled)));
    }
    return lines;
  }

  async #replay(): Promise<void> {
    let text: string;
    try {
      text = await this.options.platform.readTextFile(this.#file.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    const lines = text.split("\n");
    const complete = text.endsWith("\n") ? lines.length - 1 : lines.length;
    for (let i = 0; i < complete; i++) {
      const line = lines[i]!;
      if (line.trim() === "") continue;
      const record = decodeRecord(line);
      if (record === undefined) {
        const isLast = i === complete - 1 && !text.endsWith("\n");
        if (isLast) {
          this.options.log.warn("outbox: cut off a torn last line (the process died mid-write)", { line: i + 1 });
          break;
        }
        throw new StateError("outbox_damaged", `${this.#file.path}:${i + 1}: damaged record; fix or remove that line (a backup first) and restart`);
      }
      this.#applyReplayed(record);
    }
  }

  #applyReplayed(record: OutboxRecord): void {
    if (record.t === "n") return this.#index(record.state);
    const state = this.#byId.get(record.id);
    if (state) applyRecord(state, record);
    if (state && isSettled(state)) state.parts = [];
  }
}

/** Idempotency-Keys are per client: the index is keyed by both. */
function idempotencyIndexKey(client: string, key: string): string {
  return `${client}\n${key}`;
}

function lastChange(state: NotificationState): number {
  return Math.max(state.at, ...state.recipients.map((recipient) => recipient.doneAt ?? 0));
}

/** Applies a progress record to the in-memory state (idempotent: replays may repeat one). */
export function applyRecord(state: NotificationState, record: OutboxRecord): void {
  if (record.t === "n") return;
  const recipient = state.recipients[record.r];
  if (!recipient || recipient.status !== "queued") return;
  if (record.t === "failed") {
    recipient.status = "failed";
    recipient.reason = record.reason;
    recipient.doneAt = record.at;
    return;
  }
  if (record.p < recipient.next) return;
  recipient.messageIds.push(...record.mids);
  recipient.next = record.p + 1;
  if (record.chat !== undefined) recipient.chatId = record.chat;
  if (record.warn) recipient.warning = record.warn;
  if (recipient.next >= state.partCount) {
    recipient.status = "delivered";
    recipient.doneAt = record.at;
    delete recipient.reason;
  }
}
