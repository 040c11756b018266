// The key index: key → bot/chat/who, and (bot, chat) → key, rebuilt from keys.log at
// start. Every change is appended to the log (and fsynced) before memory changes, so
// what a person was told is always on disk first.
import { join } from "node:path";
import type { Platform } from "../platform/platform.ts";
import { canonicalToRecord, KEY_LOG_FILE, KeyLogWriter, replayKeyLog, type CanonicalRecord, type KeyLogRecord, type ReplayOptions } from "./key-log.ts";
import type { ChatType, KeyLookup, KeyRecord } from "./types.ts";

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

const STATUSES = ["active", "revoked", "blocked"] as const;
const ACTIVE = 0;
const REVOKED = 1;
const BLOCKED = 2;
const CHAT_TYPES: readonly ChatType[] = ["private", "group", "supergroup", "channel"];
/** chat_type code for a value outside CHAT_TYPES (hand edit): the value is kept in a side map. */
const OTHER_CHAT_TYPE = 255;
/** #textFlags bits */
const NULL_USERNAME = 1;
const NULL_NAME = 2;
const PLAIN = 4;

/** The key as a number, or -1 unless it is 8 digits not starting with 0 (so "1e7" never matches "10000000"). */
function keyNumber(key: string): number {
  if (typeof key !== "string" || key.length !== 8) return -1;
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const digit = key.charCodeAt(i) - 48;
    if (digit < (i === 0 ? 1 : 0) || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Keys are stored column-wise in slots (typed arrays for numbers and small codes, plain
 * arrays for the person's strings), and KeyRecord objects are built on demand: a million
 * keys as objects with eight fields cost ~600 MB and a second of GC at replay.
 * A record is a snapshot of the key's state when it was looked up.
 */
export class KeyRegistry implements KeyLookup {
  /** key number → slot */
  readonly #slots = new Map<number, number>();
  #capacity = 0;
  #count = 0;
  #key = new Uint32Array(0);
  #bot = new Uint32Array(0);
  #chatId = new Float64Array(0);
  #chatType = new Uint8Array(0);
  #status = new Uint8Array(0);
  /**
   * username, name and issuedAt of replayed keys stay UTF-8 bytes from the log (decoded in
   * lookup): per slot [start, username end, name end, at end] in #arena, flags for null.
   */
  #text = new Uint32Array(0);
  #textFlags = new Uint8Array(0);
  #arena = new Uint8Array(1 << 20);
  #arenaUsed = 0;
  /** The same as JS values, for keys issued at run time or replayed from non-canonical lines. */
  readonly #plain = new Map<number, { username: string | null; name: string | null; issuedAt: string }>();
  readonly #decoder = new TextDecoder();
  /** UTF-8 of each interned bot id, to intern replayed ones without decoding. */
  readonly #botBytes: Uint8Array[] = [];
  readonly #otherChatType = new Map<number, ChatType>();
  /** Interned bot ids: index → id and id → index. */
  readonly #botIds: string[] = [];
  readonly #botIndex = new Map<string, number>();
  /** bot index → chat id → key number (nested, not a joined string: a million string concatenations cost a second). */
  readonly #byChat: Array<Map<number, number>> = [];
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
      onCanonical: (bytes, record) => registry.#applyCanonical(bytes, record),
      repairTail: options.repairTail ?? true,
      onWarning: options.onWarning,
    });
    registry.#writer = new KeyLogWriter(options.platform, path, replay);
    return registry;
  }

  get size(): number {
    return this.#count;
  }

  lookup(key: string): KeyRecord | undefined {
    const slot = this.#slots.get(keyNumber(key));
    return slot === undefined ? undefined : this.#record(slot);
  }

  /** The chat's current key (active or blocked), if any. */
  keyForChat(bot: string, chatId: number): KeyRecord | undefined {
    const index = this.#botIndex.get(bot);
    const key = index === undefined ? undefined : this.#byChat[index]!.get(chatId);
    return key === undefined ? undefined : this.#record(this.#slots.get(key)!);
  }

  all(): KeyRecord[] {
    const out = new Array<KeyRecord>(this.#count);
    for (let slot = 0; slot < this.#count; slot++) out[slot] = this.#record(slot);
    return out;
  }

  #record(slot: number): KeyRecord {
    const chatType = this.#chatType[slot]!;
    return {
      key: String(this.#key[slot]),
      bot: this.#botIds[this.#bot[slot]!]!,
      chatId: this.#chatId[slot]!,
      chatType: chatType === OTHER_CHAT_TYPE ? this.#otherChatType.get(slot)! : CHAT_TYPES[chatType]!,
      username: this.#usernameOf(slot),
      name: this.#nameOf(slot),
      issuedAt: this.#issuedAtOf(slot),
      status: STATUSES[this.#status[slot]!]!,
    };
  }

  #decode(start: number, end: number): string {
    return this.#decoder.decode(this.#arena.subarray(start, end));
  }

  #usernameOf(slot: number): string | null {
    const flags = this.#textFlags[slot]!;
    if (flags & PLAIN) return this.#plain.get(slot)!.username;
    return flags & NULL_USERNAME ? null : this.#decode(this.#text[slot * 4]!, this.#text[slot * 4 + 1]!);
  }

  #nameOf(slot: number): string | null {
    const flags = this.#textFlags[slot]!;
    if (flags & PLAIN) return this.#plain.get(slot)!.name;
    return flags & NULL_NAME ? null : this.#decode(this.#text[slot * 4 + 1]!, this.#text[slot * 4 + 2]!);
  }

  #issuedAtOf(slot: number): string {
    if (this.#textFlags[slot]! & PLAIN) return this.#plain.get(slot)!.issuedAt;
    return this.#decode(this.#text[slot * 4 + 2]!, this.#text[slot * 4 + 3]!);
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
      return { record: this.lookup(key)!, isNew: existing === undefined };
    });
  }

  /** /stop: revokes the chat's key; undefined when it had none. */
  revokeChat(bot: string, chatId: number): Promise<KeyRecord | undefined> {
    return this.#serialized(chatKey(bot, chatId), async () => {
      const record = this.keyForChat(bot, chatId);
      if (!record) return undefined;
      await this.#append({ type: "revoked", key: record.key, by: "user", at: this.#at() });
      return this.lookup(record.key);
    });
  }

  /** Admin revoke (CLI); false when the key is unknown or already revoked. */
  async revokeKey(key: string, by: "user" | "admin" = "admin"): Promise<boolean> {
    const slot = this.#slots.get(keyNumber(key));
    if (slot === undefined || this.#status[slot] === REVOKED) return false;
    await this.#append({ type: "revoked", key, by, at: this.#at() });
    return true;
  }

  async recordBlocked(key: string, reason: string): Promise<void> {
    const slot = this.#slots.get(keyNumber(key));
    if (slot === undefined || this.#status[slot] !== ACTIVE) return;
    await this.#append({ type: "blocked", key, reason, at: this.#at() });
  }

  async recordMigrated(key: string, newChatId: number): Promise<void> {
    const slot = this.#slots.get(keyNumber(key));
    if (slot === undefined || this.#chatId[slot] === newChatId) return;
    await this.#append({ type: "migrated", key, chat_id: newChatId, from_chat_id: this.#chatId[slot]!, at: this.#at() });
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

  /** Replay and appends: records are validated (key is 8 digits, issued has bot and chat_id). */
  #apply(record: KeyLogRecord): void {
    const keyNum = +record.key;
    if (record.type !== "issued") return this.#change(keyNum, record.type, record.type === "migrated" ? record.chat_id : 0);
    let slot = this.#slots.get(keyNum);
    let issuedAt = record.at;
    if (slot === undefined) {
      slot = this.#newSlot(keyNum);
    } else {
      issuedAt = this.#issuedAtOf(slot) ?? issuedAt;
      this.#unindex(slot);
    }
    const bot = this.#internBot(record.bot);
    this.#bot[slot] = bot;
    this.#chatId[slot] = record.chat_id;
    this.#setChatType(slot, record.chat_type ?? "private");
    this.#plain.set(slot, { username: record.username ?? null, name: record.name ?? null, issuedAt });
    this.#textFlags[slot] = PLAIN;
    this.#status[slot] = ACTIVE;
    this.#byChat[bot]!.set(record.chat_id, keyNum);
  }

  /** A canonical replayed line: the same as #apply, without building the record or its strings. */
  #applyCanonical(bytes: Uint8Array, record: CanonicalRecord): void {
    if (record.type !== "issued") return this.#change(record.key, record.type, record.chatId);
    if (this.#slots.has(record.key)) return this.#apply(canonicalToRecord(bytes, record, this.#decoder)); // issued again: rare
    const slot = this.#newSlot(record.key);
    const bot = this.#internBotBytes(bytes, record.botStart, record.botEnd);
    this.#bot[slot] = bot;
    this.#chatId[slot] = record.chatId;
    const chatType = chatTypeCode(bytes, record.chatTypeStart, record.chatTypeEnd);
    if (chatType === OTHER_CHAT_TYPE) this.#setChatType(slot, this.#decoder.decode(bytes.subarray(record.chatTypeStart, record.chatTypeEnd)) as ChatType);
    else this.#chatType[slot] = chatType;
    let flags = 0;
    const base = this.#arenaUsed;
    this.#text[slot * 4] = base;
    let used = base;
    if (record.usernameStart < 0) flags |= NULL_USERNAME;
    else used = this.#copy(bytes, record.usernameStart, record.usernameEnd, used);
    this.#text[slot * 4 + 1] = used;
    if (record.nameStart < 0) flags |= NULL_NAME;
    else used = this.#copy(bytes, record.nameStart, record.nameEnd, used);
    this.#text[slot * 4 + 2] = used;
    used = this.#copy(bytes, record.atStart, record.atEnd, used);
    this.#text[slot * 4 + 3] = used;
    this.#arenaUsed = used;
    this.#textFlags[slot] = flags;
    this.#status[slot] = ACTIVE;
    this.#byChat[bot]!.set(record.chatId, record.key);
  }

  #copy(bytes: Uint8Array, start: number, end: number, to: number): number {
    const length = end - start;
    if (to + length > this.#arena.length) {
      const arena = new Uint8Array(Math.max(this.#arena.length * 2, to + length));
      arena.set(this.#arena.subarray(0, to));
      this.#arena = arena;
    }
    const arena = this.#arena;
    for (let i = 0; i < length; i++) arena[to + i] = bytes[start + i]!;
    return to + length;
  }

  #change(keyNum: number, type: "revoked" | "blocked" | "migrated", chatId: number): void {
    const slot = this.#slots.get(keyNum);
    if (slot === undefined) return; // a change for a key this log never issued (hand edit): nothing to change
    if (type === "revoked") {
      this.#status[slot] = REVOKED;
      this.#unindex(slot);
    } else if (type === "blocked") {
      this.#status[slot] = BLOCKED;
    } else {
      this.#unindex(slot);
      this.#chatId[slot] = chatId;
      this.#setChatType(slot, "supergroup");
      if (this.#status[slot] !== REVOKED) this.#byChat[this.#bot[slot]!]!.set(chatId, keyNum);
    }
  }

  #internBot(id: string): number {
    let bot = this.#botIndex.get(id);
    if (bot === undefined) {
      bot = this.#botIds.push(id) - 1;
      this.#botIndex.set(id, bot);
      this.#botBytes.push(new TextEncoder().encode(id));
      this.#byChat.push(new Map());
    }
    return bot;
  }

  #lastBot = -1;
  #internBotBytes(bytes: Uint8Array, start: number, end: number): number {
    const last = this.#lastBot;
    if (last >= 0 && sameBytes(this.#botBytes[last]!, bytes, start, end)) return last;
    const known = Math.min(this.#botBytes.length, 16);
    for (let i = 0; i < known; i++) if (sameBytes(this.#botBytes[i]!, bytes, start, end)) return (this.#lastBot = i);
    return (this.#lastBot = this.#internBot(this.#decoder.decode(bytes.subarray(start, end))));
  }

  #newSlot(keyNum: number): number {
    const slot = this.#count++;
    if (slot === this.#capacity) {
      const capacity = Math.max(1024, this.#capacity * 2);
      this.#key = grow(this.#key, new Uint32Array(capacity));
      this.#bot = grow(this.#bot, new Uint32Array(capacity));
      this.#chatId = grow(this.#chatId, new Float64Array(capacity));
      this.#chatType = grow(this.#chatType, new Uint8Array(capacity));
      this.#status = grow(this.#status, new Uint8Array(capacity));
      this.#textFlags = grow(this.#textFlags, new Uint8Array(capacity));
      this.#text = grow(this.#text, new Uint32Array(capacity * 4));
      this.#capacity = capacity;
    }
    this.#key[slot] = keyNum;
    this.#slots.set(keyNum, slot);
    return slot;
  }

  #setChatType(slot: number, chatType: ChatType): void {
    const code = CHAT_TYPES.indexOf(chatType);
    if (code === -1) this.#otherChatType.set(slot, chatType);
    else if (this.#chatType[slot] === OTHER_CHAT_TYPE) this.#otherChatType.delete(slot);
    this.#chatType[slot] = code === -1 ? OTHER_CHAT_TYPE : code;
  }

  #unindex(slot: number): void {
    const chats = this.#byChat[this.#bot[slot]!]!;
    const chatId = this.#chatId[slot]!;
    if (chats.get(chatId) === this.#key[slot]) chats.delete(chatId);
  }

  #newKey(): string {
    for (;;) {
      const key = generateKey(this.random);
      if (!this.#slots.has(keyNumber(key)) && !this.#reserved.has(key)) return key;
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

const CHAT_TYPE_BYTES = CHAT_TYPES.map((type) => new TextEncoder().encode(type));

function chatTypeCode(bytes: Uint8Array, start: number, end: number): number {
  for (let code = 0; code < CHAT_TYPE_BYTES.length; code++) if (sameBytes(CHAT_TYPE_BYTES[code]!, bytes, start, end)) return code;
  return OTHER_CHAT_TYPE;
}

function sameBytes(expected: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[start + i] !== expected[i]) return false;
  return true;
}

function grow<T extends Uint8Array | Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

function chatKey(bot: string, chatId: number): string {
  return `${bot}\u0000${chatId}`;
}
