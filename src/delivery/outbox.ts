// The durable outbox: data_dir/outbox.log, one JSON record per line (readable with jq).
//   {"t":"n",...}      a notification: accepted (all queued) or, after compaction, its state
//   {"t":"sent",...}   part `p` of recipient `r` went out as message ids `mids`
//   {"t":"failed",...} recipient `r` failed permanently
// It is an append-only log (storage/append-log.ts): accepting waits for the fsync (group
// commit); progress records ride along in the next batch, so a crash may resend a part
// whose record was not yet on disk (at-least-once). On start the log is replayed and
// compacted; while running it is compacted when it has grown well past what is live.
// Finished notifications are kept for 24 h as summaries without text, for
// GET /messages/{id} and Idempotency-Key.
import { join } from "node:path";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { Platform } from "../platform/platform.ts";
import { AppendLog, replayLog } from "../storage/append-log.ts";
import { decodeOutboxRecord, encodeNotification, type OutboxLine, type OutboxRecord, type ProgressRecord } from "./outbox-records.ts";
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

/**
 * The outbox as the worker, the notifier and the HTTP routes use it. Every change is
 * durable before its promise resolves; a second backend implements exactly this.
 */
export interface OutboxStore {
  get(id: string): NotificationState | undefined;
  /** The notification a client sent with this Idempotency-Key in the last 24 h. */
  findByIdempotencyKey(client: string, key: string): NotificationState | undefined;
  pending(): NotificationState[];
  depth(): number;
  /** Records a new notification; resolves once it is durable. */
  accept(state: NotificationState): Promise<void>;
  /** Resolves once `state` (found by id or Idempotency-Key) is durable; rejects if its accept failed. */
  accepted(state: NotificationState): Promise<void>;
  recordSent(state: NotificationState, index: number, part: number, messageIds: number[], warning?: string): Promise<void>;
  recordFailed(state: NotificationState, index: number, reason: string): Promise<void>;
  subscribe(id: string, listener: OutboxListener): () => void;
  /** Writes what is queued and stops. */
  close(): Promise<void>;
}

export const OUTBOX_FILE = "outbox.log";

/** The outbox in data_dir/outbox.log. */
export class Outbox implements OutboxStore {
  readonly #byId = new Map<string, NotificationState>();
  readonly #byIdempotencyKey = new Map<string, NotificationState>();
  readonly #listeners = new Map<string, Set<OutboxListener>>();
  /** Accept writes not yet fsynced, by notification id. */
  readonly #accepting = new Map<string, Promise<void>>();
  readonly #log: AppendLog<OutboxLine>;

  private constructor(
    private readonly options: OutboxOptions,
    log: AppendLog<OutboxLine>,
  ) {
    this.#log = log;
  }

  /**
   * Replays data_dir/outbox.log (torn tail cut, damage → StateError) and compacts it. A
   * failed compaction (disk full) leaves the replayed file in use: start needs no free space.
   */
  static async open(options: OutboxOptions): Promise<Outbox> {
    const path = join(options.dataDir, OUTBOX_FILE);
    const records: OutboxRecord[] = [];
    const replayed = await replayLog(options.platform, path, {
      decode: decodeOutboxRecord,
      onRecord: (record) => void records.push(record),
      repairTail: true,
      onWarning: (message) => options.log.warn(`outbox: ${message}`),
      damaged: { code: "outbox_damaged" },
    });
    const onCompactionError = (error: unknown) => options.log.warn("outbox: compaction failed; still appending to the uncompacted file", { error });
    const outbox = new Outbox(options, new AppendLog<OutboxLine>({ platform: options.platform, path, replayed, onCompactionError }));
    for (const record of records) outbox.#applyReplayed(record);
    outbox.#log.compact(() => outbox.#snapshot());
    await outbox.#log.flush();
    return outbox;
  }

  get(id: string): NotificationState | undefined {
    return this.#byId.get(id);
  }

  findByIdempotencyKey(client: string, key: string): NotificationState | undefined {
    const state = this.#byIdempotencyKey.get(idempotencyIndexKey(client, key));
    return state && this.options.clock.now() - state.at < RETENTION_MS ? state : undefined;
  }

  pending(): NotificationState[] {
    return [...this.#byId.values()].filter((state) => !isSettled(state));
  }

  depth(): number {
    let depth = 0;
    for (const state of this.#byId.values())
      for (const recipient of state.recipients) if (recipient.status === "queued") depth++;
    return depth;
  }

  async accept(state: NotificationState): Promise<void> {
    // Indexed before the write so a compaction running meanwhile includes it.
    this.#index(state);
    const written = this.#log.append(encodeNotification(state, true));
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

  /** A retry racing the first request must not be answered before the first is durable. */
  async accepted(state: NotificationState): Promise<void> {
    await this.#accepting.get(state.id);
  }

  recordSent(state: NotificationState, index: number, part: number, messageIds: number[], warning?: string): Promise<void> {
    const record: ProgressRecord = { t: "sent", id: state.id, r: index, p: part, mids: messageIds, at: this.options.clock.now() };
    const recipient = state.recipients[index];
    if (recipient && recipient.chatId !== undefined) record.chat = recipient.chatId;
    if (warning) record.warn = warning;
    return this.#progress(state, record);
  }

  recordFailed(state: NotificationState, index: number, reason: string): Promise<void> {
    return this.#progress(state, { t: "failed", id: state.id, r: index, reason, at: this.options.clock.now() });
  }

  subscribe(id: string, listener: OutboxListener): () => void {
    let set = this.#listeners.get(id);
    if (!set) this.#listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(id);
    };
  }

  /** Waits until every queued record is on disk. */
  flush(): Promise<void> {
    return this.#log.flush();
  }

  close(): Promise<void> {
    return this.#log.close();
  }

  async #progress(state: NotificationState, record: ProgressRecord): Promise<void> {
    applyRecord(state, record);
    if (isSettled(state)) state.parts = [];
    for (const listener of this.#listeners.get(state.id) ?? []) listener(state);
    const written = this.#log.append(record);
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
    if (this.#log.appendsSinceCompaction < Math.max(MIN_COMPACT_APPENDS, this.#byId.size)) return;
    this.#log.compact(() => this.#snapshot());
  }

  /** The live state as records: expired finished notifications are dropped here. */
  #snapshot(): OutboxLine[] {
    const now = this.options.clock.now();
    const lines: OutboxLine[] = [];
    for (const state of this.#byId.values()) {
      const settled = isSettled(state);
      if (settled && now - lastChange(state) > RETENTION_MS) {
        // #unindex leaves the key alone if a newer notification reused it after 24 h.
        this.#unindex(state);
        continue;
      }
      lines.push(encodeNotification(state, !settled));
    }
    return lines;
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
function applyRecord(state: NotificationState, record: ProgressRecord): void {
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
