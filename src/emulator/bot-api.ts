/**
 * BotApiEmulator: an in-process Telegram Bot API server for tests, benchmarks and
 * `tgsignal demo`. `fetch` serves `/bot<token>/<method>` and `/file/bot<token>/<path>`.
 *
 * Helpers for tests (token first, as in every helper; chat ids are Telegram's):
 *
 * What people do (each queues the update Telegram would send and returns it):
 *   userWrites({ token, from, text, chat?, reply_to_message_id? })            → message (commands, @mentions marked)
 *   userSendsDocument({ token, from, bytes, file_name, mime_type?, caption?, chat?, reply_to_message_id? })
 *   userSendsPhoto({ token, from, bytes, width, height, caption?, chat?, reply_to_message_id? })
 *   userPresses({ token, chat_id, message_id, button: "Label" | { callback_data }, from? }) → callback_query
 *   userBlocksBot(token, chatId) · migrateChat(token, oldId, newId)
 *
 * What people see (copies; `message.text` is the text as shown, `raw_text` as sent):
 *   messages(token, chatId): ChatMessage[]                     visible messages, oldest first
 *   message(token, chatId, messageId): ChatMessage | undefined  also deleted ones (deleted: true)
 *   keyboard(token, chatId, messageId): InlineKeyboardButton[][] | undefined   current buttons
 *   reactions(token, chatId, messageId): string[]               the bot's reaction emoji
 *   callbackAnswer(token, queryId): CallbackAnswer | undefined  how the bot answered a press
 *   commands(token, languageCode = "", scope = "default"): BotCommand[]   a published menu
 *
 * Waiting without sleeping (reject with a clear message after timeoutMs, default 5000):
 *   waitForSent(predicate, timeoutMs?) · waitForMessage(token, chatId, messageId, predicate, timeoutMs?)
 *   waitForCallbackAnswer(token, queryId, timeoutMs?) · watchSent(listener) · watchChanges(listener)
 *
 * Files the bot sent (sendDocument, sendPhoto, sendMediaGroup; uploads or file_ids):
 *   receivedFiles(token, chatId) · stats().uploadsByBot / fileIdReusesByBot · invalidateFileIds(token)
 *
 * Sends, failures and state: sent(token?, filter?) · clearSent() · failNext(token, method, failure)
 * (method "downloadFile" fails file downloads) · setOutage · setDelay · stats() · isPolling(token)
 * · addBot · addChat · setChatMember · revokeToken.
 *
 * Types: ChatMessage (chat-history.ts), CallbackAnswer (callback-queries.ts), the options of
 * userSendsDocument/userSendsPhoto (user-media.ts) and userPresses (user-presses.ts); Telegram's
 * objects and the rest in types.ts.
 */
import { errors } from "./api-error.ts";
import { BotState, type ChatState } from "./bot-state.ts";
import type { CallbackAnswer } from "./callback-queries.ts";
import { ChangeFeed } from "./change-feed.ts";
import { copyRecord, type ChatMessage } from "./chat-history.ts";
import { FloodControl } from "./flood-control.ts";
import { RequestHandler } from "./request-handler.ts";
import { SentLog } from "./sent-log.ts";
import type {
  BotApiEmulatorOptions,
  BotCommand,
  BotInit,
  ChatInit,
  ChatMember,
  EmulatorStats,
  InjectedFailure,
  InlineKeyboardButton,
  OutageOptions,
  SentFilter,
  SentFileInfo,
  SentMessage,
  TelegramUpdate,
  TelegramUser,
  UserWritesOptions,
} from "./types.ts";
import { migrateChat, userBlocksBot, userWrites } from "./user-actions.ts";
import { userSendsDocument, userSendsPhoto, type UserSendsDocumentOptions, type UserSendsPhotoOptions } from "./user-media.ts";
import { userPresses, type UserPressesOptions } from "./user-presses.ts";

const DEFAULT_WAIT_MS = 5000;

/**
 * Runtime-neutral: it only uses web standards, and `fetch` is a plain
 * `(Request) => Promise<Response>` handler any server (Bun.serve, Deno.serve) can mount.
 */
export class BotApiEmulator {
  private readonly now: () => number;
  private readonly bots = new Map<string, BotState>();
  private readonly sentLog = new SentLog();
  private readonly changes = new ChangeFeed();
  private readonly server: RequestHandler;
  /** Web-standard handler for the Bot API's URLs; bound, so it can be passed around. */
  readonly fetch: (req: Request) => Promise<Response>;

  constructor(options: BotApiEmulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.server = new RequestHandler({
      bots: this.bots,
      now: this.now,
      flood: options.limits === false ? undefined : new FloodControl(options.limits ?? {}, options.timeScale),
      longPollMaxMs: options.longPollMaxMs,
      onSent: (message) => {
        this.sentLog.record(message);
        this.changes.notify();
      },
      onChange: () => this.changes.notify(),
    });
    this.fetch = this.server.fetch;
  }

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

  /** A person writes `text` to the bot (optionally as a reply); queues the `message` update. */
  userWrites(options: UserWritesOptions): TelegramUpdate {
    return this.act(() => userWrites(this.bot(options.token), options, this.now()));
  }

  /** A person sends a file; the bot can fetch its bytes with getFile and the file route. */
  userSendsDocument(options: UserSendsDocumentOptions): TelegramUpdate {
    return this.act(() => userSendsDocument(this.bot(options.token), options, this.now()));
  }

  /** A person sends a photo; the update carries its sizes, the original last. */
  userSendsPhoto(options: UserSendsPhotoOptions): TelegramUpdate {
    return this.act(() => userSendsPhoto(this.bot(options.token), options, this.now()));
  }

  /** A person presses a callback button of a bot message; queues the `callback_query` update. */
  userPresses(options: UserPressesOptions): TelegramUpdate {
    const bot = this.bot(options.token);
    return this.act(() => userPresses(bot, this.chat(bot, options.chat_id), options, this.now()));
  }

  /** Queues `my_chat_member` (kicked); sends to the chat then fail with 403. */
  userBlocksBot(token: string, chatId: number): TelegramUpdate {
    const bot = this.bot(token);
    return this.act(() => userBlocksBot(bot, this.chat(bot, chatId), this.now()));
  }

  /** The group becomes a supergroup `newId`; sends to `oldId` then fail with migrate_to_chat_id. */
  migrateChat(token: string, oldId: number, newId: number): TelegramUpdate[] {
    const bot = this.bot(token);
    return this.act(() => migrateChat(bot, this.chat(bot, oldId), newId, this.now()));
  }

  // ---- what people see ----

  /** The messages a chat shows now (not deleted), oldest first. */
  messages(token: string, chatId: number): ChatMessage[] {
    return this.chatOf(token, chatId)?.history.visible().map((record) => structuredClone(record)) ?? [];
  }

  /** One message as it is now, deleted ones included (`deleted: true`); undefined if never sent. */
  message(token: string, chatId: number, messageId: number): ChatMessage | undefined {
    return copyRecord(this.chatOf(token, chatId)?.history.get(messageId));
  }

  /** The buttons a message shows now, row by row; undefined without a keyboard. */
  keyboard(token: string, chatId: number, messageId: number): InlineKeyboardButton[][] | undefined {
    return this.message(token, chatId, messageId)?.message.reply_markup?.inline_keyboard;
  }

  /**
   * The files a chat received from the bot, oldest first: each with its message id, caption
   * (plain text, "" for none), album id and what was sent (name, type, size, sha256, upload or file_id).
   */
  receivedFiles(token: string, chatId: number): Array<SentFileInfo & { message_id: number; caption: string; media_group_id?: string }> {
    return this.sentLog
      .list(token, { chat_id: chatId })
      .filter((message) => message.file !== undefined)
      .map((message) => ({ ...message.file!, message_id: message.message_id, caption: message.plain_text, ...(message.media_group_id && { media_group_id: message.media_group_id }) }));
  }

  /** The emoji the bot reacted to a message with ([] when none). */
  reactions(token: string, chatId: number, messageId: number): string[] {
    return this.message(token, chatId, messageId)?.reactions ?? [];
  }

  /** How the bot answered a callback query, or undefined while it has not. */
  callbackAnswer(token: string, queryId: string): CallbackAnswer | undefined {
    return this.bot(token).callbackQueries.answerOf(queryId);
  }

  /** A command menu as published: per language ("" = everyone else) and scope key ("default", "chat:42"). */
  commands(token: string, languageCode = "", scope = "default"): BotCommand[] {
    return this.bot(token).commands.get(scope, languageCode);
  }

  // ---- waiting for the bot ----

  /** Resolves with the first accepted message matching `predicate`, including earlier ones. */
  waitForSent(predicate: (message: SentMessage) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<SentMessage> {
    return this.sentLog.waitFor(predicate, timeoutMs);
  }

  /** Resolves once the message exists and satisfies `predicate` (e.g. its keyboard is gone). */
  waitForMessage(
    token: string,
    chatId: number,
    messageId: number,
    predicate: (message: ChatMessage) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<ChatMessage> {
    const check = () => {
      const record = this.message(token, chatId, messageId);
      return record !== undefined && predicate(record) ? record : undefined;
    };
    const describe = () =>
      `waitForMessage: message ${messageId} of chat ${chatId} did not get there within ${timeoutMs} ms; it is now ` +
      JSON.stringify(this.message(token, chatId, messageId) ?? "not sent");
    return this.changes.waitFor(check, timeoutMs, describe);
  }

  /** Resolves with the bot's answer to a callback query once it has answered. */
  waitForCallbackAnswer(token: string, queryId: string, timeoutMs = DEFAULT_WAIT_MS): Promise<CallbackAnswer> {
    const describe = () => `waitForCallbackAnswer: callback query ${queryId} was not answered within ${timeoutMs} ms`;
    return this.changes.waitFor(() => this.callbackAnswer(token, queryId), timeoutMs, describe);
  }

  /** Calls `listener` for every message the bot sends from now on; returns an unsubscribe. */
  watchSent(listener: (message: SentMessage) => void): () => void {
    return this.sentLog.watch(listener);
  }

  /** Calls `listener` after every change (a send, edit, deletion, reaction, answer, person's action). */
  watchChanges(listener: () => void): () => void {
    return this.changes.watch(listener);
  }

  // ---- observing sends ----

  /** Accepted messages, oldest first, optionally for one bot and matching `filter`. */
  sent(token?: string, filter?: SentFilter): SentMessage[] {
    return this.sentLog.list(token, filter);
  }

  clearSent(): void {
    this.sentLog.clear();
  }

  // ---- failure injection ----

  /** Every file_id this bot was given stops working (Telegram answers "wrong file identifier"), as if expired. */
  invalidateFileIds(token: string): void {
    this.bot(token).files.invalidateIds();
  }

  /** The next `times` (default 1) calls of `method` by this bot fail with this error. */
  failNext(token: string, method: string, failure: InjectedFailure): void {
    this.server.faults.failNext(token, method, failure);
  }

  /** Every call of this bot (or of all bots with "*") fails with `status` until set to null. */
  setOutage(target: string, outage: OutageOptions | null): void {
    this.server.faults.setOutage(target, outage);
  }

  /** Artificial latency added to every call (emulates Telegram's round trip in benchmarks). */
  setDelay(ms: number): void {
    this.server.delayMs = Math.max(0, ms);
  }

  stats(): EmulatorStats {
    const { calls, tooManyRequests, sendsByBot, uploadsByBot, fileIdReusesByBot } = this.server.counters;
    return { calls: { ...calls }, tooManyRequests, sendsByBot: { ...sendsByBot }, uploadsByBot: { ...uploadsByBot }, fileIdReusesByBot: { ...fileIdReusesByBot } };
  }

  // ---- internals ----

  private act<T>(action: () => T): T {
    const result = action();
    this.changes.notify();
    return result;
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

  private chatOf(token: string, chatId: number): ChatState | undefined {
    return this.bot(token).chats.get(chatId);
  }
}
