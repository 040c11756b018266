// The durable outbox: data_dir/outbox.log, one JSON record per line (readable with jq).
//   {"t":"n",...}      a notification: accepted (all queued) or, after compaction, its state
//   {"t":"sent",...}   part `p` of recipient `r` went out as message ids `mids`
//   {"t":"failed",...} recipient `r` failed permanently
//   {"t":"op",...}     an edit or deletion (PATCH / DELETE /messages/{id}) accepted
//   {"t":"opdone",...} operation `o` ended for recipient `r`
// It is an append-only log (storage/append-log.ts): accepting waits for the fsync (group
// commit); progress records ride along in the next batch, so a crash may resend a part
// whose record was not yet on disk (at-least-once). On start the log is replayed and
// compacted; while running it is compacted when it has grown well past what is live.
// Finished notifications are kept for 24 h as summaries without text, for
// GET /messages/{id}, PATCH/DELETE and Idempotency-Key; one with buttons whose press
// makes an event is kept as long as events are (events_retention), for the press. A
// scheduled notification (due_at) is unfinished until sent, so it is kept until then.
import { GenerationalMap } from "../lib/generational-map.ts";
import { join } from "node:path";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { Platform } from "../platform/platform.ts";
import { StateError } from "../lib/errors.ts";
import { openAppendLog, type AppendLog } from "../storage/append-log.ts";
import { applyOperation, applyOperationDone, applyProgress, dropPartsIfDone, lastChange } from "./outbox-apply.ts";
import { MessageIndex } from "./message-index.ts";
import { decodeOperation, encodeOperation, type OperationRecord } from "./outbox-op-records.ts";
import { decodeOutboxRecord, encodeNotification, type OutboxLine, type OutboxRecord, type ProgressRecord } from "./outbox-records.ts";
import { hasDataButtons, hasWork, isScheduled, isSettled, type NotificationState, type Operation, type TargetStatus } from "./types.ts";

export const RETENTION_MS = 24 * 60 * 60 * 1000;
const MIN_COMPACT_APPENDS = 10_000;

export interface OutboxOptions {
  platform: Platform;
  clock: Clock;
  log: Logger;
  dataDir: string;
  /** How long events are kept (events_retention): a notification with data buttons is kept as long, for its presses. */
  eventsRetentionMs?: () => number;
  /**
   * Told which notifications hold files in data_dir/files: from accept (or replay) until
   * nobody is queued any more, and only once that is on disk (a file removed before the
   * record that freed it is durable could be needed again after a crash).
   */
  files?: FileHolder;
}

/** Who keeps the files notifications need (delivery/file-keeper.ts). */
export interface FileHolder {
  hold(state: NotificationState): void;
  release(state: NotificationState): void;
}

/** What a send of the files learned: Telegram's file_ids (fileKey → file_id) and the files' message ids. */
export interface SentFiles {
  fileIds?: Record<string, string>;
  fileMessageIds?: number[];
}

/** How an operation ended for one recipient. */
export type OperationResult = { status: Exclude<TargetStatus, "queued">; reason?: string; warning?: string };

export type OutboxListener = (state: NotificationState) => void;

/**
 * The outbox as the worker, the notifier and the HTTP routes use it. Every change is
 * durable before its promise resolves; a second backend implements exactly this.
 */
export interface OutboxStore {
  get(id: string): NotificationState | undefined;
  /** The notification a client sent with this Idempotency-Key in the last 24 h. */
  findByIdempotencyKey(client: string, key: string): NotificationState | undefined;
  /** The notification a message of ours belongs to (any part, any recipient), while it is kept. */
  findByMessage(bot: string, chatId: number, messageId: number): NotificationState | undefined;
  /** Notifications with something left to send, edit or delete (scheduled ones too). */
  pending(): NotificationState[];
  /** Recipients queued for sending now (not those of scheduled notifications still waiting for their time). */
  depth(): number;
  /** Records a new notification; resolves once it is durable. */
  accept(state: NotificationState): Promise<void>;
  /** Resolves once `state` (found by id or Idempotency-Key) is durable; rejects if its accept failed. */
  accepted(state: NotificationState): Promise<void>;
  recordSent(state: NotificationState, index: number, part: number, messageIds: number[], warning?: string, files?: SentFiles): Promise<void>;
  recordFailed(state: NotificationState, index: number, reason: string): Promise<void>;
  /**
   * Adds an edit or deletion: applied in memory at once (a deletion cancels what is still
   * queued), resolves once durable; if the write fails it is undone and the promise rejects.
   */
  recordOperation(state: NotificationState, op: Operation): Promise<void>;
  /** Operation `opIndex` ended for recipient `index` (applied at once; durable when it resolves). */
  recordOperationDone(state: NotificationState, opIndex: number, index: number, result: OperationResult): Promise<void>;
  subscribe(id: string, listener: OutboxListener): () => void;
  /** Writes what is queued and stops. */
  close(): Promise<void>;
}

export const OUTBOX_FILE = "outbox.log";

/** The outbox in data_dir/outbox.log. */
export class Outbox implements OutboxStore {
  /** Generational: a backlog of half a million must not make every collection rescan one table. */
  readonly #byId = new GenerationalMap<string, NotificationState>();
  readonly #byIdempotencyKey = new Map<string, NotificationState>();
  readonly #byMessage = new MessageIndex();
  readonly #listeners = new Map<string, Set<OutboxListener>>();
  /** Accept writes not yet fsynced, by notification id. */
  readonly #accepting = new Map<string, Promise<void>>();
  /** Notifications whose files the FileHolder holds for them. */
  readonly #holding = new Set<string>();
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
    const { records, log } = await openAppendLog<OutboxRecord, OutboxLine>({
      platform: options.platform,
      path,
      decode: decodeOutboxRecord,
      repairTail: true,
      onWarning: (message) => options.log.warn(`outbox: ${message}`),
      damaged: { code: "outbox_damaged" },
      onCompactionError: (error) => options.log.warn("outbox: compaction failed; still appending to the uncompacted file", { error }),
    });
    const outbox = new Outbox(options, log);
    for (const { record, line } of records) outbox.#applyReplayed(record, `${path}:${line}`);
    for (const state of outbox.#byId.values()) if (!isSettled(state)) outbox.#holdFiles(state);
    outbox.#log.compact(() => outbox.#snapshot());
    await outbox.#log.flush();
    return outbox;
  }

  get(id: string): NotificationState | undefined {
    return this.#byId.get(id);
  }

  /**
   * A key holds for 24 h after its notification was accepted, or after its due time when
   * it was scheduled: a retry while it still waits (`delay: 7d`, retried the next day)
   * must not schedule a second one.
   */
  findByIdempotencyKey(client: string, key: string): NotificationState | undefined {
    const state = this.#byIdempotencyKey.get(idempotencyIndexKey(client, key));
    return state && this.options.clock.now() - Math.max(state.at, state.dueAt ?? 0) < RETENTION_MS ? state : undefined;
  }

  findByMessage(bot: string, chatId: number, messageId: number): NotificationState | undefined {
    return this.#byMessage.get(bot, chatId, messageId);
  }

  pending(): NotificationState[] {
    return [...this.#byId.values()].filter(hasWork);
  }

  depth(): number {
    const now = this.options.clock.now();
    let depth = 0;
    for (const state of this.#byId.values()) {
      if (isScheduled(state, now)) continue; // waiting for its time, not for Telegram
      for (const recipient of state.recipients) if (recipient.status === "queued") depth++;
    }
    return depth;
  }

  async accept(state: NotificationState): Promise<void> {
    // Indexed before the write so a compaction running meanwhile includes it.
    this.#index(state);
    this.#holdFiles(state);
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
    // Every recipient failed at accept (a blocked key): nothing will send the files.
    if (isSettled(state)) this.#releaseFiles(state);
    this.#maybeCompact();
  }

  /** A retry racing the first request must not be answered before the first is durable. */
  async accepted(state: NotificationState): Promise<void> {
    await this.#accepting.get(state.id);
  }

  recordSent(state: NotificationState, index: number, part: number, messageIds: number[], warning?: string, files?: SentFiles): Promise<void> {
    const record: Extract<ProgressRecord, { t: "sent" }> = { t: "sent", id: state.id, r: index, p: part, mids: messageIds, at: this.options.clock.now() };
    const recipient = state.recipients[index];
    if (recipient && recipient.chatId !== undefined) record.chat = recipient.chatId;
    if (warning) record.warn = warning;
    if (files?.fileIds && Object.keys(files.fileIds).length > 0) record.fids = files.fileIds;
    if (files?.fileMessageIds) record.fmids = files.fileMessageIds;
    return this.#progress(state, record);
  }

  recordFailed(state: NotificationState, index: number, reason: string): Promise<void> {
    return this.#progress(state, { t: "failed", id: state.id, r: index, reason, at: this.options.clock.now() });
  }

  async recordOperation(state: NotificationState, op: Operation): Promise<void> {
    // Applied before the append, as everything here is: a compaction meanwhile must hold it.
    op.writing = true;
    const undo = applyOperation(state, op);
    this.#notify(state);
    const written = this.#log.append({ t: "op", id: state.id, op: encodeOperation(op, true) });
    this.#maybeCompact();
    try {
      await written;
    } catch (error) {
      undo();
      this.#notify(state);
      throw error;
    } finally {
      delete op.writing;
    }
    dropPartsIfDone(state);
    if (isSettled(state)) this.#releaseFiles(state);
  }

  recordOperationDone(state: NotificationState, opIndex: number, index: number, result: OperationResult): Promise<void> {
    const record: Extract<OperationRecord, { t: "opdone" }> = { t: "opdone", id: state.id, o: opIndex, r: index, status: result.status, at: this.options.clock.now() };
    if (result.reason) record.reason = result.reason;
    if (result.warning) record.warn = result.warning;
    applyOperationDone(state, record);
    this.#notify(state);
    const written = this.#log.append(record);
    this.#maybeCompact();
    return written;
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
    this.#applyProgress(state, record);
    this.#notify(state);
    const written = this.#log.append(record);
    this.#maybeCompact();
    await written;
    if (isSettled(state)) this.#releaseFiles(state);
  }

  #applyProgress(state: NotificationState, record: ProgressRecord): void {
    applyProgress(state, record);
    const recipient = state.recipients[record.r];
    if (record.t === "sent" && recipient) this.#byMessage.add(state, recipient.bot, recipient.chatId, record.mids);
    dropPartsIfDone(state);
  }

  #notify(state: NotificationState): void {
    for (const listener of this.#listeners.get(state.id) ?? []) listener(state);
  }

  #index(state: NotificationState): void {
    this.#byId.set(state.id, state);
    if (state.idempotencyKey) this.#byIdempotencyKey.set(idempotencyIndexKey(state.client, state.idempotencyKey), state);
    this.#byMessage.addAll(state);
  }

  #holdFiles(state: NotificationState): void {
    if (!state.files || !this.options.files || this.#holding.has(state.id)) return;
    this.#holding.add(state.id);
    this.options.files.hold(state);
  }

  #releaseFiles(state: NotificationState): void {
    if (!this.#holding.delete(state.id)) return;
    this.options.files?.release(state);
  }

  #unindex(state: NotificationState): void {
    this.#releaseFiles(state);
    if (this.#byId.get(state.id) === state) this.#byId.delete(state.id);
    this.#byMessage.removeAll(state);
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
      // Kept while its Idempotency-Key holds too: until 24 h after its due time, if later.
      if (!hasWork(state) && now - Math.max(lastChange(state), state.dueAt ?? 0) > this.#retention(state)) {
        // #unindex leaves the key alone if a newer notification reused it after 24 h.
        this.#unindex(state);
        continue;
      }
      lines.push(encodeNotification(state, !isSettled(state)));
    }
    return lines;
  }

  /** 24 h; as long as events for one whose buttons a person may still press. */
  #retention(state: NotificationState): number {
    if (!hasDataButtons(state.buttons)) return RETENTION_MS;
    return Math.max(RETENTION_MS, this.options.eventsRetentionMs?.() ?? 0);
  }

  #applyReplayed(record: OutboxRecord, where: string): void {
    if (record.t === "n") return this.#index(record.state);
    const state = this.#byId.get(record.id);
    if (!state) return;
    if (record.t === "sent" || record.t === "failed") return this.#applyProgress(state, record);
    if (record.t === "opdone") return applyOperationDone(state, record);
    if (record.op.targets.length !== state.recipients.length)
      throw new StateError("outbox_damaged", `${where}: damaged record (an operation for ${record.op.targets.length} recipients on a notification of ${state.recipients.length}); not starting. Fix: stop tgsignal, back the file up, delete that line, and start again.`);
    applyOperation(state, decodeOperation(record.op));
    dropPartsIfDone(state);
  }
}

/** Idempotency-Keys are per client: the index is keyed by both. */
function idempotencyIndexKey(client: string, key: string): string {
  return `${client}\n${key}`;
}
