// The file-backed key store: keys.log replayed into two maps at start, key → record and
// (bot, chat) → key. Every change is appended to the log (and fsynced) before memory
// changes, so what a person is told is always on disk first.
import { join } from "node:path";
import type { Platform } from "../platform/platform.ts";
import { openAppendLog, type AppendLog } from "../storage/append-log.ts";
import { cryptoRandom, generateKey } from "./key-format.ts";
import { decodeKeyRecord, KEY_LOG_DAMAGED, KEY_LOG_FILE, type KeyLogRecord } from "./key-log.ts";
import type { IssueRequest, KeyRecord, KeyStore } from "./types.ts";

export interface KeyRegistryOptions {
  platform: Platform;
  dataDir: string;
  now?: () => number;
  /** Random integer in [0, 2^32); crypto by default (tests make collisions happen). */
  random?: () => number;
  /** Cut a torn last line off keys.log (default); read-only commands leave the file alone. */
  repairTail?: boolean;
  onWarning?: (message: string) => void;
}

export class KeyRegistry implements KeyStore {
  /** Records are replaced, never changed in place: a record handed out is a snapshot. */
  readonly #byKey = new Map<string, KeyRecord>();
  readonly #byChat = new Map<string, string>();
  /** Keys being written for a chat, so a concurrent issue for another chat cannot pick them. */
  readonly #reserved = new Set<string>();
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #log: AppendLog<KeyLogRecord>;
  readonly #revokedListeners = new Set<(key: string) => void>();

  private constructor(
    log: AppendLog<KeyLogRecord>,
    private readonly now: () => number,
    private readonly random: () => number,
  ) {
    this.#log = log;
  }

  /** Replays keys.log (torn tail cut, damage → StateError); appends open the file lazily. */
  static async open(options: KeyRegistryOptions): Promise<KeyRegistry> {
    const { records, log } = await openAppendLog<KeyLogRecord, KeyLogRecord>({
      platform: options.platform,
      path: join(options.dataDir, KEY_LOG_FILE),
      decode: decodeKeyRecord,
      repairTail: options.repairTail ?? true,
      onWarning: options.onWarning ?? (() => {}),
      damaged: KEY_LOG_DAMAGED,
    });
    const registry = new KeyRegistry(log, options.now ?? Date.now, options.random ?? cryptoRandom);
    for (const { record } of records) registry.#apply(record);
    return registry;
  }

  get path(): string {
    return this.#log.path;
  }

  get size(): number {
    return this.#byKey.size;
  }

  lookup(key: string): KeyRecord | undefined {
    return this.#byKey.get(key);
  }

  keyForChat(bot: string, chatId: number): KeyRecord | undefined {
    const key = this.#byChat.get(chatKey(bot, chatId));
    return key === undefined ? undefined : this.#byKey.get(key);
  }

  list(): KeyRecord[] {
    return [...this.#byKey.values()];
  }

  issueKey(request: IssueRequest): Promise<{ record: KeyRecord; isNew: boolean }> {
    return this.#serialized(chatKey(request.bot, request.chatId), async () => {
      const existing = this.keyForChat(request.bot, request.chatId);
      if (existing?.status === "active") return { record: existing, isNew: false };
      const key = existing?.key ?? this.#newKey();
      this.#reserved.add(key);
      try {
        const { bot, chatId, chatType, username, name, requestedBy, language } = request;
        const requested = requestedBy === undefined ? {} : { requested_by: requestedBy };
        const spoken = language === undefined ? {} : { language };
        await this.#append({ type: "issued", key, bot, chat_id: chatId, chat_type: chatType, username, name, ...requested, ...spoken, at: this.#at() });
      } finally {
        this.#reserved.delete(key);
      }
      return { record: this.#byKey.get(key)!, isNew: existing === undefined };
    });
  }

  revokeChat(bot: string, chatId: number): Promise<KeyRecord | undefined> {
    return this.#serialized(chatKey(bot, chatId), async () => {
      const record = this.keyForChat(bot, chatId);
      if (!record) return undefined;
      await this.#append({ type: "revoked", key: record.key, by: "user", at: this.#at() });
      return this.#byKey.get(record.key);
    });
  }

  async revokeKey(key: string, by: "user" | "admin" = "admin"): Promise<boolean> {
    const found = this.#byKey.get(key);
    if (!found) return false;
    // The chat's lane: a /key or /stop of that chat, or a second revoke, is not interleaved with this one.
    return this.#serialized(chatKey(found.bot, found.chatId), async () => {
      if (this.#byKey.get(key)?.status === "revoked") return false;
      await this.#append({ type: "revoked", key, by, at: this.#at() });
      return true;
    });
  }

  async recordBlocked(key: string, reason: string): Promise<void> {
    if (this.#byKey.get(key)?.status !== "active") return;
    await this.#append({ type: "blocked", key, reason, at: this.#at() });
  }

  async recordMigrated(key: string, newChatId: number): Promise<void> {
    const record = this.#byKey.get(key);
    if (!record || record.chatId === newChatId) return;
    await this.#append({ type: "migrated", key, chat_id: newChatId, from_chat_id: record.chatId, at: this.#at() });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#inflight.values()]);
    await this.#log.close();
  }

  async #append(record: KeyLogRecord): Promise<void> {
    await this.#log.append(record);
    this.#apply(record);
    if (record.type === "revoked") for (const listener of this.#revokedListeners) listener(record.key);
  }

  onRevoked(listener: (key: string) => void): () => void {
    this.#revokedListeners.add(listener);
    return () => this.#revokedListeners.delete(listener);
  }

  /** One record, at replay or after its append. A change to a key never issued (hand edit) changes nothing. */
  #apply(record: KeyLogRecord): void {
    const current = this.#byKey.get(record.key);
    if (record.type === "issued") {
      if (current) this.#unindex(current);
      this.#set({
        key: record.key,
        bot: record.bot,
        chatId: record.chat_id,
        chatType: record.chat_type ?? "private",
        username: record.username ?? null,
        name: record.name ?? null,
        requestedBy: record.requested_by,
        language: record.language,
        // Issued again (reactivated after a block): the key keeps its first issue time.
        issuedAt: current?.issuedAt ?? record.at,
        status: "active",
      });
      return;
    }
    if (!current) return;
    if (record.type === "blocked") {
      // Blocked keys stay indexed: the chat's next /key brings the same key back.
      this.#byKey.set(record.key, { ...current, status: "blocked" });
    } else if (record.type === "revoked") {
      this.#unindex(current);
      this.#byKey.set(record.key, { ...current, status: "revoked", revokedBy: record.by === "user" ? "user" : "admin" });
    } else {
      this.#unindex(current);
      this.#set({ ...current, chatId: record.chat_id, chatType: "supergroup" });
    }
  }

  /** Stores the record and indexes its chat, unless it is revoked (a revoked key has no chat). */
  #set(record: KeyRecord): void {
    this.#byKey.set(record.key, record);
    if (record.status !== "revoked") this.#byChat.set(chatKey(record.bot, record.chatId), record.key);
  }

  #unindex(record: KeyRecord): void {
    const chat = chatKey(record.bot, record.chatId);
    if (this.#byChat.get(chat) === record.key) this.#byChat.delete(chat);
  }

  #newKey(): string {
    for (;;) {
      const key = generateKey(this.random);
      if (!this.#byKey.has(key) && !this.#reserved.has(key)) return key;
    }
  }

  #at(): string {
    return new Date(this.now()).toISOString();
  }

  /** One change at a time per chat, so two quick /key messages cannot mint two keys. */
  async #serialized<T>(chat: string, run: () => Promise<T>): Promise<T> {
    const previous = this.#inflight.get(chat) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(run);
    this.#inflight.set(chat, next);
    try {
      return await next;
    } finally {
      if (this.#inflight.get(chat) === next) this.#inflight.delete(chat);
    }
  }
}

function chatKey(bot: string, chatId: number): string {
  return `${bot}\u0000${chatId}`;
}
