import { ApiError, errorResponse, errors, okResponse } from "./api-error.ts";
import { BotState, type ChatState } from "./bot-state.ts";
import { FaultInjection } from "./fault-injection.ts";
import { FloodControl } from "./flood-control.ts";
import { METHODS } from "./methods.ts";
import { readParams } from "./params.ts";
import type {
  BotApiEmulatorOptions,
  BotInit,
  ChatInit,
  ChatMember,
  EmulatorStats,
  InjectedFailure,
  OutageOptions,
  SentFilter,
  SentMessage,
  TelegramUpdate,
  TelegramUser,
  UserWritesOptions,
} from "./types.ts";
import { migrateChat, userBlocksBot, userWrites } from "./user-actions.ts";

// Bot API URLs have the shape /bot<token>/<method>; the token is the only credential.
const BOT_API_PATH = /^\/bot([^/]+)\/([^/]+)\/?$/;

/**
 * An in-process Telegram Bot API server for tests, benchmarks and `tgsignal demo`.
 * Runtime-neutral: it only uses web standards, and `fetch` is a plain
 * `(Request) => Promise<Response>` handler any server (Bun.serve, Deno.serve) can mount.
 */
export class BotApiEmulator {
  private readonly now: () => number;
  private readonly flood: FloodControl | undefined;
  private readonly longPollMaxMs: number | undefined;
  private readonly bots = new Map<string, BotState>();
  private readonly faults = new FaultInjection();
  private readonly sentLog: SentMessage[] = [];
  private readonly sentListeners = new Set<(message: SentMessage) => void>();
  private readonly counters: EmulatorStats = { calls: {}, tooManyRequests: 0, sendsByBot: {} };
  private delayMs = 0;

  constructor(options: BotApiEmulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.flood = options.limits === false ? undefined : new FloodControl(options.limits ?? {}, options.timeScale);
    this.longPollMaxMs = options.longPollMaxMs;
  }

  /** Web-standard handler for `/bot<token>/<method>`; bound, so it can be passed around. */
  readonly fetch = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const match = BOT_API_PATH.exec(url.pathname);
    if (!match) return this.answer(errors.notFound());
    const token = decodeURIComponent(match[1] ?? "");
    const requested = match[2] ?? "";
    const method = METHODS.get(requested.toLowerCase());
    const name = method?.name ?? requested;
    this.counters.calls[name] = (this.counters.calls[name] ?? 0) + 1;
    try {
      if (this.delayMs > 0) await sleep(this.delayMs, req.signal);
      const outage = this.faults.outageFor(token);
      if (outage) throw outage;
      const bot = this.bots.get(token);
      if (!bot) throw errors.unauthorized();
      if (!method) throw errors.notFound();
      const scripted = this.faults.takeScripted(token, name);
      if (scripted) throw scripted;
      if (req.signal.aborted) throw new ApiError(499, "Client Closed Request");
      const params = await readParams(req, url);
      const { result, description } = await method.handle({
        bot,
        token,
        params,
        signal: req.signal,
        now: this.now,
        longPollMaxMs: this.longPollMaxMs,
        flood: this.flood,
        onSent: (message) => this.recordSent(message),
      });
      return okResponse(result, description);
    } catch (error) {
      if (error instanceof ApiError) return this.answer(error);
      return this.answer(new ApiError(500, `Internal Server Error: ${String(error)}`));
    }
  };

  // ---- bots and chats ----

  addBot(init: BotInit): TelegramUser {
    const bot = new BotState(init);
    this.bots.set(init.token, bot);
    return bot.user;
  }

  /** The token stops working (401), as after BotFather's /revoke. */
  revokeToken(token: string): void {
    this.bots.get(token)?.updates.interrupt(errors.unauthorized());
    this.bots.delete(token);
  }

  /** Makes a chat known to the bot without a message (e.g. a group it was added to). */
  addChat(token: string, chat: ChatInit): void {
    this.bot(token).knowChat(chat);
  }

  /** Sets a user's standing in a group (getChatMember answers it), e.g. "administrator". */
  setChatMember(token: string, chatId: number, user: TelegramUser, status: ChatMember["status"]): void {
    const bot = this.bot(token);
    this.chat(bot, chatId).members.set(user.id, { user, status });
  }

  /** True while this bot has a getUpdates long poll open (e.g. to wait until a poller listens). */
  isPolling(token: string): boolean {
    return this.bot(token).updates.isPolling;
  }

  // ---- what people do ----

  /** A person writes `text` to the bot; queues the `message` update Telegram would. */
  userWrites(options: UserWritesOptions): TelegramUpdate {
    return userWrites(this.bot(options.token), options, this.now());
  }

  /** Queues `my_chat_member` (kicked); sends to the chat then fail with 403. */
  userBlocksBot(token: string, chatId: number): TelegramUpdate {
    const bot = this.bot(token);
    return userBlocksBot(bot, this.chat(bot, chatId), this.now());
  }

  /** The group becomes a supergroup `newId`; sends to `oldId` then fail with migrate_to_chat_id. */
  migrateChat(token: string, oldId: number, newId: number): TelegramUpdate[] {
    const bot = this.bot(token);
    return migrateChat(bot, this.chat(bot, oldId), newId, this.now());
  }

  // ---- observing sends ----

  /** Accepted messages, oldest first, optionally for one bot and matching `filter`. */
  sent(token?: string, filter?: SentFilter): SentMessage[] {
    return this.sentLog.filter((message) =>
      (token === undefined || message.token === token) && matches(message, filter)
    );
  }

  /** Resolves with the first accepted message matching `predicate`, including earlier ones. */
  waitForSent(predicate: (message: SentMessage) => boolean, timeoutMs = 5000): Promise<SentMessage> {
    const earlier = this.sentLog.find(predicate);
    if (earlier) return Promise.resolve(earlier);
    return new Promise<SentMessage>((resolve, reject) => {
      const listener = (message: SentMessage) => {
        if (!predicate(message)) return;
        clearTimeout(timer);
        this.sentListeners.delete(listener);
        resolve(message);
      };
      const timer = setTimeout(() => {
        this.sentListeners.delete(listener);
        const recent = this.sentLog.slice(-3).map((m) => `${m.chat_id}: ${JSON.stringify(m.text.slice(0, 60))}`);
        reject(
          new Error(
            `waitForSent: no matching message was sent within ${timeoutMs} ms ` +
              `(${this.sentLog.length} sent in total${recent.length ? `; last: ${recent.join(", ")}` : ""})`,
          ),
        );
      }, timeoutMs);
      this.sentListeners.add(listener);
    });
  }

  clearSent(): void {
    this.sentLog.length = 0;
  }

  // ---- failure injection ----

  /** The next `times` (default 1) calls of `method` by this bot fail with this error. */
  failNext(token: string, method: string, failure: InjectedFailure): void {
    this.faults.failNext(token, method, failure);
  }

  /** Every call of this bot (or of all bots with "*") fails with `status` until set to null. */
  setOutage(target: string, outage: OutageOptions | null): void {
    this.faults.setOutage(target, outage);
  }

  /** Artificial latency added to every call (emulates Telegram's round trip in benchmarks). */
  setDelay(ms: number): void {
    this.delayMs = Math.max(0, ms);
  }

  stats(): EmulatorStats {
    return {
      calls: { ...this.counters.calls },
      tooManyRequests: this.counters.tooManyRequests,
      sendsByBot: { ...this.counters.sendsByBot },
    };
  }

  // ---- internals ----

  private answer(error: ApiError): Response {
    if (error.error_code === 429) this.counters.tooManyRequests += 1;
    return errorResponse(error);
  }

  /** Calls `listener` for every message the bot sends from now on; returns an unsubscribe. */
  watchSent(listener: (message: SentMessage) => void): () => void {
    this.sentListeners.add(listener);
    return () => this.sentListeners.delete(listener);
  }

  private recordSent(message: SentMessage): void {
    this.sentLog.push(message);
    const sends = this.counters.sendsByBot;
    sends[message.bot_username] = (sends[message.bot_username] ?? 0) + 1;
    for (const listener of [...this.sentListeners]) listener(message);
  }

  private bot(token: string): BotState {
    const bot = this.bots.get(token);
    // The token itself is left out of the message: tokens never appear in errors.
    if (!bot) throw new Error("BotApiEmulator: no bot has this token (call addBot first)");
    return bot;
  }

  private chat(bot: BotState, chatId: number): ChatState {
    const chat = bot.chats.get(chatId);
    if (!chat) throw new Error(`BotApiEmulator: chat ${chatId} is unknown to @${bot.info.username}`);
    return chat;
  }
}

function matches(message: SentMessage, filter: SentFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (typeof filter === "function") return filter(message);
  if (filter.chat_id !== undefined && message.chat_id !== filter.chat_id) return false;
  if (filter.text === undefined) return true;
  return typeof filter.text === "string" ? message.text === filter.text : filter.text.test(message.text);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
