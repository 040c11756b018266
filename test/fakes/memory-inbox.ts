import type { EventDraft, EventPage, InboxEvent, InboxStore, StoredEvent } from "../../src/events/types.ts";

/**
 * An InboxStore in memory with the durable store's contract (src/events/types.ts): one
 * event per update (Telegram bot id + update_id), one button event per message unless repeatable (keep_buttons),
 * ids that only grow. `failNext` makes the next record reject (a full disk), as the real
 * store's append would; `hold` keeps records pending (an fsync in progress) until released;
 * `records` counts every call.
 */
export class MemoryInbox implements InboxStore {
  readonly events: StoredEvent[] = [];
  records = 0;
  failNext: Error | undefined;
  #held: Promise<void> | undefined;
  readonly #bySource = new Map<string, StoredEvent>();
  readonly #decisions = new Map<string, InboxEvent>();
  readonly #waiters = new Set<() => void>();

  async record(draft: EventDraft): Promise<{ stored: StoredEvent; isNew: boolean }> {
    this.records++;
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    await this.#held;
    const sourceKey = `${draft.source.telegramBotId}:${draft.source.updateId}`;
    const seen = this.#bySource.get(sourceKey);
    if (seen) return { stored: seen, isNew: false };
    const messageKey = `${draft.event.bot}:${draft.event.chat_id}:${draft.event.message_id}`;
    const deciding = draft.event.type === "button" && !draft.repeatable;
    const decision = deciding ? this.#decisions.get(messageKey) : undefined;
    if (decision) return { stored: this.events.find((stored) => stored.event === decision)!, isNew: false };
    const id = String(this.events.length + 1);
    const files = draft.files.map(({ fileId: _, ...file }, n) => ({ ...file, url: `/events/${id}/files/${n}` }));
    const stored: StoredEvent = { event: { ...draft.event, id, files }, fileIds: draft.files.map((file) => file.fileId) };
    this.events.push(stored);
    this.#bySource.set(sourceKey, stored);
    if (deciding) this.#decisions.set(messageKey, stored.event);
    for (const wake of this.#waiters) wake();
    return { stored, isNew: true };
  }

  /** Records wait until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.#held = new Promise((resolve) => (release = resolve));
    return () => {
      this.#held = undefined;
      release();
    };
  }

  get(id: string): StoredEvent | undefined {
    return this.events[Number(id) - 1];
  }

  after(after: string, limit: number, filter: (event: InboxEvent) => boolean = () => true): InboxEvent[] {
    return this.events.slice(Number(after)).map((stored) => stored.event).filter(filter).slice(0, limit);
  }

  read(after: string, limit: number, filter?: (event: InboxEvent) => boolean): EventPage {
    return { events: this.after(after, limit, filter), until: this.lastId() };
  }

  waitForNewer(after: string, signal: AbortSignal): Promise<void> {
    if (Number(this.lastId()) > Number(after) || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#waiters.delete(wake);
        resolve();
      };
      this.#waiters.add(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }

  lastId(): string {
    return String(this.events.length);
  }

  decided(bot: string, chatId: number, messageId: number): InboxEvent | undefined {
    return this.#decisions.get(`${bot}:${chatId}:${messageId}`);
  }

  async close(): Promise<void> {}
}
