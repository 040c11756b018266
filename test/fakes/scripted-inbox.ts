// An in-memory InboxStore that keeps the interface's contract (src/events/types.ts):
// growing decimal ids, one event per update, one decision per message, `after` in id
// order with filter and limit, `waitForNewer` woken by a record or by its signal. Plus
// what tests need: `add` for a ready event and `expire` to play retention.
// (The webhook tests' inbox: events added ready-made, retention played by hand. The
// conversation's tests use memory-inbox.ts, which fails and holds records on demand.)
import type { EventDraft, EventPage, InboxEvent, InboxStore, StoredEvent } from "../../src/events/types.ts";

export class ScriptedInbox implements InboxStore {
  readonly #events: StoredEvent[] = [];
  readonly #bySource = new Map<string, StoredEvent>();
  readonly #waiters = new Set<{ after: bigint; wake: () => void }>();
  #next: bigint;

  /** `firstId`: the id the first event gets (a store reopened after earlier events). */
  constructor(firstId = 1) {
    this.#next = BigInt(firstId);
  }

  async record(draft: EventDraft): Promise<{ stored: StoredEvent; isNew: boolean }> {
    const sourceKey = `${draft.source.telegramBotId}:${draft.source.updateId}`;
    const seen = this.#bySource.get(sourceKey);
    if (seen) return { stored: seen, isNew: false };
    const { event } = draft;
    if (event.type === "button" && !draft.repeatable) {
      const decided = this.decided(event.bot, event.chat_id, event.message_id);
      if (decided) return { stored: this.get(decided.id)!, isNew: false };
    }
    const id = String(this.#next++);
    const files = draft.files.map(({ name, mime, size }, n) => ({ name, mime, size, url: `/events/${id}/files/${n}` }));
    const stored: StoredEvent = { event: { id, ...event, files }, fileIds: draft.files.map((file) => file.fileId) };
    this.#events.push(stored);
    this.#bySource.set(sourceKey, stored);
    this.#wake();
    return { stored, isNew: true };
  }

  /** Records a message event from `user` (a unique update each time); returns it. */
  add(user: string, text: string, at = new Date().toISOString()): InboxEvent {
    const id = String(this.#next++);
    const event: InboxEvent = {
      id,
      type: "message",
      at,
      bot: "main",
      user,
      key: "48213977",
      chat_id: 5000,
      message_id: Number(id),
      from: { id: 5000, username: null, name: user },
      text,
      command: null,
      args: null,
      reply_to: null,
      files: [],
    };
    this.#events.push({ event, fileIds: [] });
    this.#wake();
    return event;
  }

  get(id: string): StoredEvent | undefined {
    return this.#events.find((stored) => stored.event.id === id);
  }

  after(after: string, limit: number, filter?: (event: InboxEvent) => boolean): InboxEvent[] {
    const from = BigInt(after);
    const out: InboxEvent[] = [];
    for (const { event } of this.#events) {
      if (out.length >= limit) break;
      if (BigInt(event.id) > from && (!filter || filter(event))) out.push(event);
    }
    return out;
  }

  read(after: string, limit: number, filter?: (event: InboxEvent) => boolean): EventPage {
    return { events: this.after(after, limit, filter), until: this.lastId() };
  }

  waitForNewer(after: string, signal: AbortSignal): Promise<void> {
    const from = BigInt(after);
    if (signal.aborted || this.#events.some((stored) => BigInt(stored.event.id) > from)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        after: from,
        wake: () => {
          this.#waiters.delete(waiter);
          signal.removeEventListener("abort", waiter.wake);
          resolve();
        },
      };
      this.#waiters.add(waiter);
      signal.addEventListener("abort", waiter.wake, { once: true });
    });
  }

  lastId(): string {
    return String(this.#next - 1n);
  }

  decided(bot: string, chatId: number, messageId: number): InboxEvent | undefined {
    return this.#events.find(({ event }) => event.type === "button" && event.bot === bot && event.chat_id === chatId && event.message_id === messageId)?.event;
  }

  /** Drops events up to and including `id`, as retention would. */
  expire(id: string): void {
    const upTo = BigInt(id);
    for (let i = this.#events.length - 1; i >= 0; i--) if (BigInt(this.#events[i]!.event.id) <= upTo) this.#events.splice(i, 1);
  }

  /** Waiters still parked (to assert that a pusher is idle). */
  get waiting(): number {
    return this.#waiters.size;
  }

  async close(): Promise<void> {
    this.#wake();
  }

  #wake(): void {
    const newest = this.#next - 1n;
    for (const waiter of [...this.#waiters]) if (newest > waiter.after) waiter.wake();
  }
}
