// The narrow Telegram port: just the Bot API calls tgsignal makes, each with a deadline
// that aborts its request. The adapter uses GramIO; unit tests hand in fakes of
// TelegramApi, integration tests point api_url at the fake Bot API. Errors become
// TelegramApiError / NetworkError with tokens redacted.
import { AsyncLocalStorage } from "node:async_hooks";
import {
  Bot,
  TelegramError,
  type GetUpdatesParams,
  type TelegramBotCommand,
  type TelegramCallbackQuery,
  type TelegramFile,
  type TelegramInlineKeyboardMarkup,
  type TelegramMessage,
  type TelegramUpdate,
  type TelegramUser,
  type TelegramWebhookInfo,
} from "gramio";
import type { Clock } from "../lib/clock.ts";
import { NetworkError, TelegramApiError } from "../lib/errors.ts";
import { maskBotTokens, redactor } from "../lib/redact.ts";
import { sentFileOf, toDocumentParams, toGramioGroup, toPhotoParams, uploadDeadlineMs, type OpenFile, type SendFileParams, type SendMediaGroupParams, type SentFile } from "./media.ts";

export type { GetUpdatesParams, TelegramBotCommand, TelegramCallbackQuery, TelegramFile, TelegramInlineKeyboardMarkup, TelegramMessage, TelegramUpdate, TelegramUser, TelegramWebhookInfo };

export interface SendMessageParams {
  chat_id: number;
  text: string;
  parse_mode?: "HTML";
  disable_notification?: boolean;
  message_thread_id?: number;
  link_preview_options?: { is_disabled: boolean };
  /** Buttons under the message (built with GramIO's InlineKeyboard). */
  reply_markup?: TelegramInlineKeyboardMarkup;
  /** Sent as a reply to this message of the chat; still sent if it was deleted. */
  reply_parameters?: { message_id: number; allow_sending_without_reply?: boolean };
}

export interface EditMessageTextParams {
  chat_id: number;
  message_id: number;
  text: string;
  parse_mode?: "HTML";
  link_preview_options?: { is_disabled: boolean };
  reply_markup?: TelegramInlineKeyboardMarkup;
}

/** A message's buttons replaced; without reply_markup they are removed. */
export interface EditMessageReplyMarkupParams {
  chat_id: number;
  message_id: number;
  reply_markup?: TelegramInlineKeyboardMarkup;
}

export interface MessageRef {
  chat_id: number;
  message_id: number;
}

/** Telegram lets bots react with one of a fixed set of emoji (👌 is among them). */
export interface SetMessageReactionParams extends MessageRef {
  emoji: "👌" | "👍" | "✍";
}

export interface AnswerCallbackQueryParams {
  callback_query_id: string;
  text?: string;
  show_alert?: boolean;
}

export interface SetMyCommandsParams {
  commands: TelegramBotCommand[];
  /** Commands for people whose Telegram language is this (ISO 639-1); without: everyone else. */
  language_code?: string;
}

export interface SentMessage {
  message_id: number;
  chat: { id: number };
}

/** A member's standing in a chat, as getChatMember reports it. */
export type ChatMemberStatus = "creator" | "administrator" | "member" | "restricted" | "left" | "kicked";

export interface CallOptions {
  /** Aborts the request (a poller's window ending, shutdown); the deadline applies as well. */
  signal?: AbortSignal;
}

export interface TelegramApi {
  getMe(options?: CallOptions): Promise<TelegramUser>;
  getWebhookInfo(options?: CallOptions): Promise<TelegramWebhookInfo>;
  /** The text people see in an empty chat with the bot (BotFather's /setdescription). */
  getMyDescription(options?: CallOptions): Promise<{ description: string }>;
  /** Its deadline is the long-poll `timeout` plus a margin. */
  getUpdates(params: GetUpdatesParams, options?: CallOptions): Promise<TelegramUpdate[]>;
  sendMessage(params: SendMessageParams, options?: CallOptions): Promise<SentMessage>;
  /** Who a user is in a chat (a group's admins may stop its key). */
  getChatMember(params: { chat_id: number; user_id: number }, options?: CallOptions): Promise<{ status: ChatMemberStatus }>;
  /** Returns true, or the edited message (Telegram answers either, by message kind). */
  editMessageText(params: EditMessageTextParams, options?: CallOptions): Promise<unknown>;
  editMessageReplyMarkup(params: EditMessageReplyMarkupParams, options?: CallOptions): Promise<unknown>;
  deleteMessage(params: MessageRef, options?: CallOptions): Promise<true>;
  setMessageReaction(params: SetMessageReactionParams, options?: CallOptions): Promise<true>;
  answerCallbackQuery(params: AnswerCallbackQueryParams, options?: CallOptions): Promise<true>;
  setMyCommands(params: SetMyCommandsParams, options?: CallOptions): Promise<true>;
  /** A file's path on the Bot API server (valid for at least an hour) and size. */
  getFile(params: { file_id: string }, options?: CallOptions): Promise<TelegramFile>;
  /**
   * The file's bytes as the Bot API server streams them (`/file/bot<token>/<path>`). The
   * response is the caller's to read or cancel; a non-2xx answer is a TelegramApiError.
   */
  downloadFile(filePath: string, options?: CallOptions): Promise<Response>;
  /** A document (uploaded or by file_id); its deadline grows with the upload (telegram/media.ts). */
  sendDocument(params: SendFileParams, options?: CallOptions): Promise<SentFile>;
  sendPhoto(params: SendFileParams, options?: CallOptions): Promise<SentFile>;
  /** An album of 2–10 photos or documents: its messages, in order. */
  sendMediaGroup(params: SendMediaGroupParams, options?: CallOptions): Promise<SentFile[]>;
}

export interface GramioBotOptions {
  token: string;
  /** Bot API server root, e.g. https://api.telegram.org */
  apiUrl: string;
  /** fetch() options from the platform that route requests through a proxy. */
  proxy?: RequestInit;
}

export interface TelegramApiOptions {
  clock: Clock;
  /** Deadline of a call, after which its request is aborted. */
  timeoutMs: number;
  /** getUpdates waits its long-poll timeout plus this. */
  pollMarginMs?: number;
  /** Called after each call with the method and outcome (metrics). */
  onCall?: (method: string, outcome: string, ms: number) => void;
  /** Opens a file to upload (the platform's openBlob); without it, uploads fail. */
  openFile?: OpenFile;
}

/**
 * GramIO 0.10 takes no fetch options per call: `api.fetchOptions` belongs to the bot and
 * is spread into the init of every request it makes. So the bot's fetchOptions carry a
 * `signal` getter that answers with the signal of the call being made, kept in an
 * AsyncLocalStorage for that call's async context. This is the one place that relies on
 * it; test/telegram/api.test.ts shows a timed-out request aborted at the server.
 */
const callSignal = new AsyncLocalStorage<AbortSignal>();

/** The GramIO bot used both for calls and for dispatching updates to handlers. */
export function createGramioBot(options: GramioBotOptions): Bot {
  const fetchOptions: RequestInit = {
    ...options.proxy,
    get signal() {
      return callSignal.getStore() ?? null;
    },
  };
  return new Bot({ token: options.token, api: { baseURL: `${options.apiUrl}/bot`, fetchOptions }, plugins: { format: false } });
}

export function createTelegramApi(bot: Bot, options: TelegramApiOptions): TelegramApi {
  const call = async <T>(method: string, timeoutMs: number, caller: CallOptions | undefined, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const deadline = new AbortController();
    const timer = new AbortController();
    options.clock.sleep(timeoutMs, timer.signal).then(() => deadline.abort(), () => {});
    const signal = caller?.signal ? AbortSignal.any([caller.signal, deadline.signal]) : deadline.signal;
    try {
      const result = await callSignal.run(signal, run);
      options.onCall?.(method, "ok", performance.now() - started);
      return result;
    } catch (error) {
      const mapped = deadline.signal.aborted
        ? new NetworkError(method, `no answer within ${timeoutMs / 1000}s; the request was aborted`)
        : mapError(method, error);
      options.onCall?.(method, mapped instanceof TelegramApiError ? String(mapped.errorCode) : "network", performance.now() - started);
      throw mapped;
    } finally {
      timer.abort();
    }
  };
  const { timeoutMs } = options;
  const openFile: OpenFile = options.openFile ?? (() => Promise.reject(new Error("this Telegram client cannot read files")));
  return {
    getMe: (caller) => call("getMe", timeoutMs, caller, () => bot.api.getMe()),
    getWebhookInfo: (caller) => call("getWebhookInfo", timeoutMs, caller, () => bot.api.getWebhookInfo()),
    getMyDescription: (caller) => call("getMyDescription", timeoutMs, caller, () => bot.api.getMyDescription({})),
    getUpdates: (params, caller) =>
      call("getUpdates", (params.timeout ?? 0) * 1000 + (options.pollMarginMs ?? timeoutMs), caller, () => bot.api.getUpdates(params)),
    sendMessage: (params, caller) => call("sendMessage", timeoutMs, caller, () => bot.api.sendMessage(params)),
    getChatMember: (params, caller) => call("getChatMember", timeoutMs, caller, async () => ({ status: (await bot.api.getChatMember(params)).status })),
    editMessageText: (params, caller) => call("editMessageText", timeoutMs, caller, () => bot.api.editMessageText(params)),
    editMessageReplyMarkup: (params, caller) => call("editMessageReplyMarkup", timeoutMs, caller, () => bot.api.editMessageReplyMarkup(params)),
    deleteMessage: (params, caller) => call("deleteMessage", timeoutMs, caller, () => bot.api.deleteMessage(params)),
    setMessageReaction: ({ emoji, ...message }, caller) =>
      call("setMessageReaction", timeoutMs, caller, () => bot.api.setMessageReaction({ ...message, reaction: [{ type: "emoji", emoji }] })),
    answerCallbackQuery: (params, caller) => call("answerCallbackQuery", timeoutMs, caller, () => bot.api.answerCallbackQuery(params)),
    setMyCommands: (params, caller) => call("setMyCommands", timeoutMs, caller, () => bot.api.setMyCommands(params)),
    getFile: (params, caller) => call("getFile", timeoutMs, caller, () => bot.api.getFile(params)),
    downloadFile: (filePath, caller) => call("downloadFile", timeoutMs, caller, () => download(bot, filePath)),
    sendDocument: (params, caller) =>
      call("sendDocument", uploadDeadlineMs(timeoutMs, [params.file]), caller, async () => sentFileOf(await bot.api.sendDocument(await toDocumentParams(params, openFile)))),
    sendPhoto: (params, caller) =>
      call("sendPhoto", uploadDeadlineMs(timeoutMs, [params.file]), caller, async () => sentFileOf(await bot.api.sendPhoto(await toPhotoParams(params, openFile)))),
    sendMediaGroup: (params, caller) =>
      call("sendMediaGroup", uploadDeadlineMs(timeoutMs, params.media.map((item) => item.file)), caller, async () =>
        (await bot.api.sendMediaGroup(await toGramioGroup(params, openFile))).map(sentFileOf),
      ),
  };
}

/**
 * Streams a file from the Bot API server. GramIO's own downloadFile buffers the whole file
 * (up to 20 MB) in memory; the gateway passes the bytes through instead. The deadline
 * covers the answer's head: the body is the caller's to stream.
 */
async function download(bot: Bot, filePath: string): Promise<Response> {
  const path = filePath.split("/").map(encodeURIComponent).join("/");
  // Files live beside the methods: `${api_url}/file/bot<token>/<path>`, methods at `${api_url}/bot<token>/<method>`.
  const fileBase = bot.options.api.baseURL.replace(/bot$/, "file/bot");
  const response = await fetch(`${fileBase}${bot.options.token}/${path}`, bot.options.api.fetchOptions);
  if (response.ok) return response;
  await response.body?.cancel();
  throw new TelegramApiError("downloadFile", response.status, `the Bot API server answered ${response.status} for the file`);
}

/**
 * Telegram's answer or the network's failure, as our error family, tokens redacted.
 * Telegram's descriptions quote the text we sent (`Unsupported start tag "..."`), and they
 * reach GET /messages: masking configured secrets there would tell a caller whether its
 * text equals one (an oracle), so only bot-token shapes are masked in them.
 */
function mapError(method: string, error: unknown): Error {
  if (error instanceof TelegramApiError || error instanceof NetworkError) return error;
  if (error instanceof TelegramError) {
    return new TelegramApiError(method, error.code, maskBotTokens(error.message), error.payload?.retry_after, error.payload?.migrate_to_chat_id);
  }
  const message = error instanceof Error ? error.message : String(error);
  // A non-JSON answer (an HTML 502 page from a proxy) surfaces as a JSON parse error.
  return new NetworkError(method, redactor.redact(message));
}
