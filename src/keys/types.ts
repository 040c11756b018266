// The key store's contract. The rest of the code (bot handlers, delivery, HTTP, CLI) sees
// only these interfaces, so another backend (PostgreSQL for an active/standby pair) can
// replace the keys.log file store without touching them.

export type ChatType = "private" | "group" | "supergroup" | "channel";

/** active: deliverable; revoked: by the person (/stop) or the admin; blocked: the person blocked the bot. */
export const KEY_STATUSES = ["active", "revoked", "blocked"] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export interface KeyRecord {
  readonly key: string;
  readonly bot: string;
  readonly chatId: number;
  readonly chatType: ChatType;
  readonly username: string | null;
  readonly name: string | null;
  /** ISO time of the first issue. */
  readonly issuedAt: string;
  /** Telegram user id of the person who asked for it; absent in records from before it was kept. */
  readonly requestedBy?: number;
  /** The asker's Telegram language_code (what replies to them are written in); absent in records from before it was kept. */
  readonly language?: string;
  readonly status: KeyStatus;
  /** Who revoked it (status revoked). */
  readonly revokedBy?: "user" | "admin";
}

/** What delivery needs: resolve a key, and record what Telegram said about its chat. */
export interface KeyLookup {
  lookup(key: string): KeyRecord | undefined;
  /** The person blocked the bot or the chat is gone: record it (status becomes blocked). */
  recordBlocked(key: string, reason: string): Promise<void>;
  /** A group became a supergroup: the key now points at the new chat id. */
  recordMigrated(key: string, newChatId: number): Promise<void>;
}

export interface IssueRequest {
  bot: string;
  chatId: number;
  chatType: ChatType;
  username: string | null;
  name: string | null;
  /** The Telegram user who asked (in a group, one of its members). */
  requestedBy?: number;
  /** The asker's Telegram language_code. */
  language?: string;
}

/**
 * Every issued key. Each change is durable before its promise resolves (so a person is
 * never told a key that a crash could lose); records returned are snapshots.
 */
export interface KeyStore extends KeyLookup {
  /** The chat's current key (active or blocked), if any. */
  keyForChat(bot: string, chatId: number): KeyRecord | undefined;
  /** The chat's key: the existing one (stable per bot and chat), reactivated if blocked, or a new one. */
  issueKey(request: IssueRequest): Promise<{ record: KeyRecord; isNew: boolean }>;
  /** /stop: revokes the chat's key and returns it revoked; undefined when it had none. */
  revokeChat(bot: string, chatId: number): Promise<KeyRecord | undefined>;
  /**
   * Revokes a key (admin); false when it is unknown or already revoked. A revoked key is
   * never issued again. Serialized with the chat's other changes, like revokeChat.
   */
  revokeKey(key: string, by?: "user" | "admin"): Promise<boolean>;
  /**
   * Calls `listener` with each key revoked from now on (by its person's /stop or by the
   * admin), once the revocation is on disk; returns the unsubscribe.
   */
  onRevoked(listener: (key: string) => void): () => void;
  /** Every key ever issued, in order of first issue. */
  list(): KeyRecord[];
  close(): Promise<void>;
}
