// The key registry's contract, shared by the inbound side (which issues keys) and the
// outbound side (which resolves a user's key to a chat and records blocked/migrated).

export type ChatType = "private" | "group" | "supergroup" | "channel";

export interface KeyRecord {
  readonly key: string;
  readonly bot: string;
  readonly chatId: number;
  readonly chatType: ChatType;
  readonly username: string | null;
  readonly name: string | null;
  /** ISO time of issue. */
  readonly issuedAt: string;
  /** active: deliverable; revoked: by the person (/stop) or the admin; blocked: the person blocked the bot. */
  readonly status: "active" | "revoked" | "blocked";
}

/** Read and update access to issued keys; every change is appended to keys.log first. */
export interface KeyLookup {
  lookup(key: string): KeyRecord | undefined;
  /** The person blocked the bot or the chat is gone: record it (status becomes blocked). */
  recordBlocked(key: string, reason: string): Promise<void>;
  /** A group became a supergroup: the key now points at the new chat id. */
  recordMigrated(key: string, newChatId: number): Promise<void>;
}
