// The key index: key → bot/chat/who, and (bot, chat) → key, rebuilt from keys.log at
// start. Every change is appended to the log (and fsynced) before memory changes, so
// what a person was told is always on disk first.
import { join } from "node:path";
import type { Platform } from "../platform/platform.ts";
import { KEY_LOG_FILE, KeyLogWriter, replayKeyLog, type KeyLogRecord, type ReplayOptions } from "./key-log.ts";
import type { ChatType, KeyLookup, KeyRecord } from "./types.ts";

type Entry = { -readonly [K in keyof KeyRecord]: KeyRecord[K] };

export interface IssueRequest {
  bot: string;
  chatId: number;
  chatType: ChatType;
  username: string | null;
  name: string | null;
}

export interface KeyRegistryOptions extends Partial<ReplayOptions> {
  platform: Platform;
  dataDir: string;
  now?: () => number;
  /** Random integer in [0, 2^32); crypto by default (tests make collisions happen). */
  random?: () => number;
}

const KEY_MIN = 10_000_000;
const KEY_SPAN = 90_000_000;

export function cryptoRandom(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** A uniform 8-digit key from a 32-bit random source (rejection sampling, no modulo bias). */
export function generateKey(random: () => number = cryptoRandom): string {
  const limit = Math.floor(2 ** 32 / KEY_SPAN) * KEY_SPAN;
  for (;;) {
    const value = random();
    if (value < limit) return String(KEY_MIN + (value % KEY_SPAN));
  }
}

export class KeyRegistry implements KeyLookup {
  readonly #byKey = new Map<string, Entry>();
  /** bot → chat id → key (nested, not a joined string: a million string concatenations cost a second). */
  readonly #byChat = new Map<string, Map<number, string>>();
  readonly #reserved = new Set<string>();
  readonly #inflight = new Map<string, Promise<unknown>>();
  #writer: KeyLogWriter | undefined;

  private constructor(
    readonly path: string,
    private readonly now: () => number,
    private readonly random: () => number,
  ) {}

  /** Replays keys.log (torn tail cut, damage → StateError) and opens it for appends. */
  static async open(options: KeyRegistryOptions): Promise<KeyRegistry> {
    const path = join(options.dataDir, KEY_LOG_FILE);
    const registry = new KeyRegistry(path, options.now ?? Date.now, options.random ?? cryptoRandom);
    const replay = await replayKeyLog(path, (record) => registry.#apply(record), {
      repairTail: options.repairTail ?? true,
      onWarning: options.onWarning,
    });
    registry.#writer = new KeyLogWriter(options.platform, path, replay);
    return registry;
  }

  get size(): number {
    return this.#byKey.size;
  }

  lookup(key: string): KeyRecord | undefined {
    return this.#byKey.get(key);
  }

  /** The chat's current key (active or blocked), if any. */
  keyForChat(bot: string, chatId: number): KeyRecord | undefined {
    const key = this.#byChat.get(bot)?.get(chatId);
    return key === undefined ? undefined : this.#byKey.get(key);
  }

  all(): KeyRecord[] {
    return [...this.#byKey.values()];
  }

  /** The chat's key: the existing one (stable per bot+chat), reactivated if blocked, or a new one. */
  issueKey(request: IssueRequest): Promise<{ record: KeyRecord; isNew: boolean }> {
    return this.#serialized(chatKey(request.bot, request.chatId), async () => {
      const existing = this.keyForChat(request.bot, request.chatId);
      if (existing?.status === "active") return { record: existing, isNew: false };
      const key = existing?.key ?? this.#newKey();
      this.#reserved.add(key);
      try {
        await this.#append({
          type: "issued",
          key,
          bot: request.bot,
          chat_id: request.chatId,
          chat_type: request.chatType,
          username: request.username,
          name: request.name,
          at: this.#at(),
        });
      } finally {
        this.#reserved.delete(key);
      }
      return { record: this.#byKey.get(key)!, isNew: existing === undefined };
    });
  }

  /** /stop: revokes the chat's key; undefined when it had none. */
  revokeChat(bot: string, chatId: number): Promise<KeyRecord | undefined> {
    return this.#serialized(chatKey(bot, chatId), async () => {
      const record = this.keyForChat(bot, chatId);
      if (!record) return undefined;
      await this.#append({ type: "revoked", key: record.key, by: "user", at: this.#at() });
      return record;
    });
  }

  /** Admin revoke (CLI); false when the key is unknown or already revoked. */
  async revokeKey(key: string, by: "user" | "admin" = "admin"): Promise<boolean> {
    const record = this.#byKey.get(key);
    if (!record || record.status === "revoked") return false;
    await this.#append({ type: "revoked", key, by, at: this.#at() });
    return true;
  }

  async recordBlocked(key: string, reason: string): Promise<void> {
    const record = this.#byKey.get(key);
    if (!record || record.status !== "active") return;
    await this.#append({ type: "blocked", key, reason, at: this.#at() });
  }

  async recordMigrated(key: string, newChatId: number): Promise<void> {
    const record = this.#byKey.get(key);
    if (!record || record.chatId === newChatId) return;
    await this.#append({ type: "migrated", key, chat_id: newChatId, from_chat_id: record.chatId, at: this.#at() });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#inflight.values()]);
    await this.#writer?.close();
  }

  async #append(record: KeyLogRecord): Promise<void> {
    if (!this.#writer) throw new Error("key registry is not open");
    await this.#writer.append(record);
    this.#apply(record);
  }

  #apply(record: KeyLogRecord): void {
    if (record.type === "issued") {
      const previous = this.#byKey.get(record.key);
      if (previous) this.#unindex(previous);
      this.#byKey.set(record.key, {
        key: record.key,
        bot: record.bot,
        chatId: record.chat_id,
        chatType: record.chat_type ?? "private",
        username: record.username ?? null,
        name: record.name ?? null,
        issuedAt: previous?.issuedAt ?? record.at,
        status: "active",
      });
      this.#index(record.bot, record.chat_id, record.key);
      return;
    }
    const entry = this.#byKey.get(record.key);
    if (!entry) return; // a change for a key this log never issued (hand edit): nothing to change
    if (record.type === "revoked") {
      entry.status = "revoked";
      this.#unindex(entry);
    } else if (record.type === "blocked") {
      entry.status = "blocked";
    } else {
      this.#unindex(entry);
      entry.chatId = record.chat_id;
      entry.chatType = "supergroup";
      if (entry.status !== "revoked") this.#index(entry.bot, entry.chatId, entry.key);
    }
  }

  #index(bot: string, chatId: number, key: string): void {
    let chats = this.#byChat.get(bot);
    if (!chats) this.#byChat.set(bot, (chats = new Map()));
    chats.set(chatId, key);
  }

  #unindex(entry: Entry): void {
    const chats = this.#byChat.get(entry.bot);
    if (chats?.get(entry.chatId) === entry.key) chats.delete(entry.chatId);
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
  async #serialized<T>(id: string, run: () => Promise<T>): Promise<T> {
    const previous = this.#inflight.get(id) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(run);
    this.#inflight.set(id, next);
    try {
      return await next;
    } finally {
      if (this.#inflight.get(id) === next) this.#inflight.delete(id);
    }
  }
}

function chatKey(bot: string, chatId: number): string {
  return `${bot}\u0000${chatId}`;
}
