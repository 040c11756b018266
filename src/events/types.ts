// What people write to the system, as events: the one JSON shape GET /events answers,
// webhooks POST and `tgsignal events` prints (DESIGN, "Event JSON"), and the inbox that
// keeps them. Everything else (the conversation, HTTP, webhooks) sees only these types.

export type EventType = "message" | "button";

/** A file a person sent: metadata only; the bytes come through GET {url}. */
export interface EventFile {
  name: string;
  mime: string;
  /** Bytes, when Telegram said. */
  size: number | null;
  /** `/events/{id}/files/{n}`. */
  url: string;
}

/** The public event, exactly as it is served (snake_case, like the Bot API and keys.log). */
export interface InboxEvent {
  /** Decimal, only grows (also across restarts and compactions). */
  id: string;
  type: EventType;
  /** ISO time the gateway received the update. */
  at: string;
  bot: string;
  /** The name the person's key is assigned to in `users`. */
  user: string;
  key: string;
  chat_id: number;
  /** message: the person's message; button: our message whose button was pressed. */
  message_id: number;
  from: { id: number; username: string | null; name: string };
  /** The message text or a file's caption; for a command, the whole text. */
  text: string | null;
  /** `/tasks 42` → "tasks" (lower case, without a @botname) and args "42". */
  command: string | null;
  args: string | null;
  /** The person replied to one of our notifications. */
  reply_to: { notification: string; message_id: number } | null;
  files: EventFile[];
  /** Button events: what the notification set, the button's label, and which notification. */
  data?: string;
  button?: string;
  notification?: string;
}

/** An event before the inbox gives it an id and file URLs. */
export interface EventDraft {
  /** Which update made it: a replayed update makes no second event. */
  source: { bot: string; telegramBotId: number; updateId: number };
  event: Omit<InboxEvent, "id" | "files">;
  /** Telegram file ids of the files, in order, with their metadata (ids stay private: they carry no secret, but are ours). */
  files: Array<Omit<EventFile, "url"> & { fileId: string }>;
  /**
   * A press on a `keep_buttons: true` notification: every press is an event. Without it a
   * second button event for the same message is refused (one decision per message).
   */
  repeatable?: boolean;
}

/** A page of events and how far the inbox looked for it. */
export interface EventPage {
  events: InboxEvent[];
  /**
   * The newest id examined (at least `after`): everything up to it was seen, and either
   * returned or refused by the filter. A reader that got nothing waits for newer than this
   * (waitForNewer), not than its own cursor, or events it may not see would wake it at once.
   */
  until: string;
}

/** An event with what only the gateway needs: the Telegram file ids behind its files. */
export interface StoredEvent {
  event: InboxEvent;
  fileIds: string[];
}

/**
 * The durable inbox (data_dir/inbox.log). Each change is on disk before its promise
 * resolves; reads are from memory.
 */
export interface InboxStore {
  /**
   * Appends the event unless one for the same update exists (then returns that one with
   * isNew false). A button event for a message that already has one (one decision per
   * message) is not appended either, unless the draft is `repeatable`: the first is
   * returned, as `decided` does. Resolves once the event is fsynced.
   */
  record(draft: EventDraft): Promise<{ stored: StoredEvent; isNew: boolean }>;
  get(id: string): StoredEvent | undefined;
  /** Events with ids above `after` ("0": from the oldest kept) that pass `filter`, oldest first, at most `limit`. */
  after(after: string, limit: number, filter?: (event: InboxEvent) => boolean): InboxEvent[];
  /** `after`, and how far it looked (EventPage.until). Only durable events are read. */
  read(after: string, limit: number, filter?: (event: InboxEvent) => boolean): EventPage;
  /** Resolves when an event newer than `after` is readable, or on `signal` or close (never rejects). */
  waitForNewer(after: string, signal: AbortSignal): Promise<void>;
  /** The newest readable (durable) id ("0" before the first event). */
  lastId(): string;
  /** The deciding button event already taken for this message of ours, if any. */
  decided(bot: string, chatId: number, messageId: number): InboxEvent | undefined;
  close(): Promise<void>;
}

export const INBOX_FILE = "inbox.log";
