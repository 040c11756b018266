// The durable inbox: data_dir/inbox.log (inbox-records.ts) on the append-only log
// primitive, replayed into memory at start; every read is from memory.
//   - record() resolves once the event is fsynced (group commit: concurrent records share
//     an fsync). Readers see an event only once it is durable, and never one after an
//     event still being written, so a reader's cursor can never pass an event it has not
//     seen.
//   - A replayed update (same Telegram bot id and update id) makes no second event, also
//     after a restart: replay rebuilds the index. One button event per message of ours
//     (one decision), unless the draft is repeatable (keep_buttons).
//   - Ids are decimal strings that only grow: a compacted file starts with a mark of the
//     newest id ever given, so dropping the newest events at expiry never lets an id recur.
//   - Events older than the retention are dropped at compaction: at start, when appends
//     outnumber the events kept, and on a timer so an idle gateway forgets too.
//   - Long polls wait in one shared set, woken when an event becomes durable: no timer or
//     scan per waiter.
import { join } from "node:path";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { Platform } from "../platform/platform.ts";
import { openAppendLog, type AppendLog } from "../storage/append-log.ts";
import { decodeInboxLine, eventLineOf, INBOX_DAMAGED, parseId, type EventLine, type InboxLine } from "./inbox-records.ts";
import { INBOX_FILE, type EventDraft, type EventPage, type InboxEvent, type InboxStore, type StoredEvent } from "./types.ts";
import { Waiters } from "./waiters.ts";

/** Below this many appends since the last rewrite, appending never triggers a compaction. */
const MIN_COMPACT_APPENDS = 10_000;
/** The expiry timer runs a tenth of the retention apart, at least every hour, at most every second. */
const MAX_SWEEP_MS = 60 * 60 * 1000;
const MIN_SWEEP_MS = 1000;

export interface InboxOptions {
  platform: Platform;
  clock: Clock;
  log: Logger;
  dataDir: string;
  /** How long events are kept (ms); read at each compaction, so a config reload applies. */
  retentionMs: () => number;
  /** Told once per new event, when it is durable (metrics). */
  onRecorded?: (event: InboxEvent) => void;
}

interface Entry {
  readonly n: bigint;
  readonly stored: StoredEvent;
  readonly atMs: number;
  /** What is written, and written again at compaction (its `event` is `stored.event`). */
  readonly line: EventLine;
  readonly updateKey: string;
  /** Set when this event took its message's one decision. */
  decisionKey?: string;
  durable: boolean;
  /** Settles when the line is on disk; rejects if it could not be written. */
  written: Promise<void>;
}

export class Inbox implements InboxStore {
  /** Ordered by id; the events not yet durable are at the end. */
  #entries: Entry[] = [];
  readonly #byId = new Map<string, Entry>();
  readonly #byUpdate = new Map<string, Entry>();
  readonly #decisions = new Map<string, Entry>();
  readonly #waiters = new Waiters();
  readonly #log: AppendLog<InboxLine>;
  readonly #sweeping = new AbortController();
  /** The newest id given (durable or not, also one whose write failed): the next is one more. */
  #given = 0n;
  /** Every id up to this is durable, expired, or never will be: readers may move past it. */
  #visible = 0n;
  #closed = false;

  private constructor(
    private readonly options: InboxOptions,
    log: AppendLog<InboxLine>,
  ) {
    this.#log = log;
  }

  /**
   * Replays data_dir/inbox.log (torn tail cut, damage → StateError naming file:line),
   * drops expired events and compacts. A failed compaction (disk full) leaves the
   * replayed file in use: start needs no free space.
   */
  static async open(options: InboxOptions): Promise<Inbox> {
    const { records, log } = await openAppendLog<InboxLine, InboxLine>({
      platform: options.platform,
      path: join(options.dataDir, INBOX_FILE),
      decode: decodeInboxLine,
      repairTail: true,
      onWarning: (message) => options.log.warn(`inbox: ${message}`),
      damaged: INBOX_DAMAGED,
      onCompactionError: (error) => options.log.warn("inbox: compaction failed; still appending to the uncompacted file", { error }),
    });
    const inbox = new Inbox(options, log);
    inbox.#replay(records.map(({ record }) => record));
    // Nothing to rewrite in a missing or empty file: the first event creates it.
    if (records.length > 0) inbox.#log.compact(() => inbox.#snapshot());
    await inbox.#log.flush();
    void inbox.#sweep();
    return inbox;
  }

  /** Events kept (durable). */
  get size(): number {
    let pending = 0;
    for (let index = this.#entries.length - 1; index >= 0 && !this.#entries[index]!.durable; index--) pending++;
    return this.#entries.length - pending;
  }

  /** Long polls waiting now. */
  get waiting(): number {
    return this.#waiters.size;
  }

  async record(draft: EventDraft): Promise<{ stored: StoredEvent; isNew: boolean }> {
    const updateKey = `${draft.source.telegramBotId}:${draft.source.updateId}`;
    const seen = this.#byUpdate.get(updateKey);
    if (seen) return existing(seen);
    const { event } = draft;
    const decisionKey = event.type === "button" ? decisionKeyOf(event.bot, event.chat_id, event.message_id) : undefined;
    const decided = decisionKey === undefined ? undefined : this.#decisions.get(decisionKey);
    if (decided && !draft.repeatable) return existing(decided);
    const entry = this.#newEntry(draft, updateKey);
    if (decisionKey !== undefined && !decided) entry.decisionKey = decisionKey;
    // Indexed before the write, so a concurrent record of the same update finds it and a
    // compaction running meanwhile includes it.
    this.#index(entry);
    entry.written = this.#log.append(entry.line).then(
      () => this.#becameDurable(entry),
      (error: unknown) => {
        this.#unindex(entry);
        throw error;
      },
    );
    await entry.written;
    this.#maybeCompact();
    return { stored: entry.stored, isNew: true };
  }

  get(id: string): StoredEvent | undefined {
    const entry = this.#byId.get(id);
    return entry?.durable ? entry.stored : undefined;
  }

  after(after: string, limit: number, filter?: (event: InboxEvent) => boolean): InboxEvent[] {
    return this.read(after, limit, filter).events;
  }

  read(after: string, limit: number, filter?: (event: InboxEvent) => boolean): EventPage {
    const from = parseId(after);
    const events: InboxEvent[] = [];
    let until = from;
    let index = this.#firstAfter(from);
    for (; index < this.#entries.length && events.length < limit; index++) {
      const entry = this.#entries[index]!;
      // Nothing after an event still being written: a cursor must not pass it.
      if (!entry.durable) return { events, until: String(until) };
      until = entry.n;
      if (!filter || filter(entry.stored.event)) events.push(entry.stored.event);
    }
    // Looked to the end: everything given so far was seen (ids that expired or whose write
    // failed included), so a waiter waits for the next new one.
    if (index === this.#entries.length && this.#visible > until) until = this.#visible;
    return { events, until: String(until) };
  }

  waitForNewer(after: string, signal: AbortSignal): Promise<void> {
    const from = parseId(after);
    if (this.#closed || signal.aborted || this.#visible > from) return Promise.resolve();
    return this.#waiters.wait(from, signal);
  }

  lastId(): string {
    return String(this.#visible);
  }

  decided(bot: string, chatId: number, messageId: number): InboxEvent | undefined {
    const entry = this.#decisions.get(decisionKeyOf(bot, chatId, messageId));
    return entry?.durable ? entry.stored.event : undefined;
  }

  /** Waits until everything queued (records, a compaction) is on disk. */
  flush(): Promise<void> {
    return this.#log.flush();
  }

  /** Writes what is queued, stops the expiry timer, releases every waiter. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#sweeping.abort();
    this.#waiters.releaseAll();
    await this.#log.close();
  }

  #newEntry(draft: EventDraft, updateKey: string): Entry {
    const n = ++this.#given;
    const line = eventLineOf(String(n), draft);
    // A line replay would refuse must never reach the file: it would stop the next start.
    const problem = decodeInboxLine(line);
    if (typeof problem === "string") throw new Error(`inbox: refusing a malformed event (${problem})`);
    const { event } = line;
    return { n, stored: { event, fileIds: line.file_ids }, atMs: Date.parse(event.at), line, updateKey, durable: false, written: Promise.resolve() };
  }

  #index(entry: Entry): void {
    this.#entries.push(entry);
    this.#byId.set(entry.stored.event.id, entry);
    this.#byUpdate.set(entry.updateKey, entry);
    if (entry.decisionKey !== undefined) this.#decisions.set(entry.decisionKey, entry);
  }

  /** Forgets an entry (its write failed, or it expired). */
  #unindex(entry: Entry): void {
    const index = this.#entries.indexOf(entry);
    if (index >= 0) this.#entries.splice(index, 1);
    this.#forget(entry);
  }

  #forget(entry: Entry): void {
    if (this.#byId.get(entry.stored.event.id) === entry) this.#byId.delete(entry.stored.event.id);
    if (this.#byUpdate.get(entry.updateKey) === entry) this.#byUpdate.delete(entry.updateKey);
    if (entry.decisionKey !== undefined && this.#decisions.get(entry.decisionKey) === entry) this.#decisions.delete(entry.decisionKey);
  }

  /** Writes finish in call order, which is id order: so `#visible` only grows. */
  #becameDurable(entry: Entry): void {
    entry.durable = true;
    if (entry.n > this.#visible) this.#visible = entry.n;
    this.#waiters.wakeNewer(entry.n);
    this.options.onRecorded?.(entry.stored.event);
  }

  /** Index of the first entry with an id above `from` (binary search: entries are in id order). */
  #firstAfter(from: bigint): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#entries[middle]!.n <= from) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #replay(lines: readonly InboxLine[]): void {
    let sorted = true;
    for (const line of lines) {
      if (line.t === "mark") {
        this.#given = max(this.#given, BigInt(line.last_id));
        continue;
      }
      const entry = replayedEntry(line);
      const duplicate = this.#byId.has(line.event.id) ? "id" : this.#byUpdate.has(entry.updateKey) ? "update" : undefined;
      if (duplicate) {
        this.options.log.warn(`inbox: event ${line.event.id} repeats an earlier event's ${duplicate}; skipped`);
        continue;
      }
      const event = line.event;
      const decisionKey = event.type === "button" ? decisionKeyOf(event.bot, event.chat_id, event.message_id) : undefined;
      if (decisionKey !== undefined && !this.#decisions.has(decisionKey)) entry.decisionKey = decisionKey;
      if (this.#entries.length > 0 && this.#entries.at(-1)!.n > entry.n) sorted = false;
      this.#index(entry);
      this.#given = max(this.#given, entry.n);
    }
    // Only a hand edit puts lines out of order; reads rely on the order.
    if (!sorted) this.#entries.sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : 0));
    this.#visible = this.#given;
  }

  /**
   * Rewrites once the appends since the last rewrite outnumber the events kept (the
   * rewrite's size), so rewriting costs O(1) per append (outbox.ts does the same), and
   * only if the oldest event has expired: unlike the outbox's progress records, an event
   * line never goes stale, so until something expires the file holds only what is kept.
   */
  #maybeCompact(): void {
    if (this.#log.appendsSinceCompaction < Math.max(MIN_COMPACT_APPENDS, this.#entries.length)) return;
    const oldest = this.#entries[0];
    if (oldest && oldest.atMs < this.options.clock.now() - this.options.retentionMs()) this.#log.compact(() => this.#snapshot());
  }

  /** What the file becomes: the mark, then every event kept (those being written too). */
  #snapshot(): InboxLine[] {
    this.#dropExpired();
    const lines: InboxLine[] = this.#given > 0n ? [{ t: "mark", last_id: String(this.#given) }] : [];
    for (const entry of this.#entries) lines.push(entry.line);
    return lines;
  }

  #dropExpired(): void {
    const cutoff = this.options.clock.now() - this.options.retentionMs();
    const kept: Entry[] = [];
    for (const entry of this.#entries) {
      if (entry.durable && entry.atMs < cutoff) this.#forget(entry);
      else kept.push(entry);
    }
    this.#entries = kept;
  }

  /** The expiry timer: an idle gateway forgets on time too. One sleep on the clock, not one per event. */
  async #sweep(): Promise<void> {
    const signal = this.#sweeping.signal;
    while (!signal.aborted) {
      const interval = Math.min(MAX_SWEEP_MS, Math.max(MIN_SWEEP_MS, this.options.retentionMs() / 10));
      try {
        await this.options.clock.sleep(interval, signal);
      } catch {
        return;
      }
      const cutoff = this.options.clock.now() - this.options.retentionMs();
      if (this.#entries.some((entry) => entry.durable && entry.atMs < cutoff)) this.#log.compact(() => this.#snapshot());
    }
  }
}

function replayedEntry(line: EventLine): Entry {
  const { event } = line;
  return {
    n: BigInt(event.id),
    stored: { event, fileIds: line.file_ids },
    atMs: Date.parse(event.at),
    line,
    updateKey: `${line.source.bot_id}:${line.source.update_id}`,
    durable: true,
    written: Promise.resolve(),
  };
}

async function existing(entry: Entry): Promise<{ stored: StoredEvent; isNew: boolean }> {
  // A concurrent record of the same event is answered once that one is on disk (or fails with it).
  await entry.written;
  return { stored: entry.stored, isNew: false };
}

function decisionKeyOf(bot: string, chatId: number, messageId: number): string {
  return `${bot}\n${chatId}\n${messageId}`;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
