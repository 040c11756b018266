// One configured bot's way to Telegram: its one GramIO bot (calls and update dispatch),
// calls with deadlines, the bot's rate limiter, and the send path that notifications and
// replies to people share.
import type { Bot } from "gramio";
import type { BotConfig } from "../config/types.ts";
import type { Clock } from "../lib/clock.ts";
import type {
  AnswerCallbackQueryParams,
  CallOptions,
  ChatMemberStatus,
  EditMessageReplyMarkupParams,
  EditMessageTextParams,
  GetUpdatesParams,
  MessageRef,
  SendMessageParams,
  SentMessage,
  SetMessageReactionParams,
  SetMyCommandsParams,
  TelegramApi,
  TelegramUpdate,
  TelegramUser,
} from "./api.ts";
import type { MediaFile, SendFileParams, SendMediaGroupParams, SentFile } from "./media.ts";
import { classifyFailure, isNotModified, type TelegramOutcome } from "./outcome.ts";
import type { RateLimiter } from "./rate-limit.ts";
import type { UploadSlots } from "./upload-slots.ts";

export type SendOutcome = TelegramOutcome<SentMessage>;

/** A file message or an album, as the delivery worker builds it. */
export type MediaRequest = { method: "sendDocument" | "sendPhoto"; params: SendFileParams } | { method: "sendMediaGroup"; params: SendMediaGroupParams };

export interface BotClientEvents {
  /** A send waited this long for the rate limiter. */
  waited(ms: number): void;
  /** Telegram answered 429. */
  rateLimited(): void;
}

export interface BotClientParts {
  /** The GramIO bot behind `api`; handlers are registered on it with `bot.on`. */
  bot: Bot;
  api: TelegramApi;
  limiter: RateLimiter;
  clock: Clock;
  /** How long Telegram's second lasts (retry_after counts in it). */
  secondMs: number;
  events?: BotClientEvents;
  /** Uploads running at once, shared by every bot (without: no limit). */
  uploads?: UploadSlots;
}

export class BotClient {
  /** Replaced on reloads that keep the connection: texts, access and phrases apply live. */
  config: BotConfig;
  readonly bot: Bot;
  readonly api: TelegramApi;
  readonly limiter: RateLimiter;
  /** Our @username without "@", once getMe has answered (commands in groups name it). */
  username: string | undefined;
  readonly #parts: BotClientParts;
  /** Updates being dispatched, by update id, and what their handlers threw. */
  readonly #dispatching = new Map<number, { error?: unknown; failed: boolean }>();

  constructor(config: BotConfig, parts: BotClientParts) {
    this.config = config;
    this.bot = parts.bot;
    this.api = parts.api;
    this.limiter = parts.limiter;
    this.#parts = parts;
    // GramIO catches what a handler throws and hands it to the onError hooks with the
    // update's context; filed under the update id, it makes dispatch() reject.
    parts.bot.onError(({ context, error }) => {
      const outcome = context.updateId === undefined ? undefined : this.#dispatching.get(context.updateId);
      if (!outcome) return;
      outcome.failed = true;
      outcome.error = error;
    });
  }

  /** getMe, remembering our username. */
  async getMe(options?: CallOptions): Promise<TelegramUser> {
    const me = await this.api.getMe(options);
    this.username = me.username;
    return me;
  }

  getUpdates(params: GetUpdatesParams, options?: CallOptions): Promise<TelegramUpdate[]> {
    return this.api.getUpdates(params, options);
  }

  /** The one way a message leaves (notifications and replies alike): see #limited. */
  async send(params: SendMessageParams, signal?: AbortSignal): Promise<SendOutcome> {
    return this.#limited(params.chat_id, signal, () => this.api.sendMessage(params));
  }

  /**
   * A document, a photo or an album, on the send path like a message. An album takes one
   * rate-limiter slot per item: Telegram counts its messages one by one.
   */
  async sendMedia(request: MediaRequest, signal?: AbortSignal): Promise<TelegramOutcome<SentFile[]>> {
    const files: MediaFile[] = request.method === "sendMediaGroup" ? request.params.media.map((item) => item.file) : [request.params.file];
    // An upload waits for one of the process's upload slots first (memory), then for its rate-limiter slot.
    const release = files.some((file) => "path" in file) ? await this.#parts.uploads?.acquire(signal) : undefined;
    try {
      if (request.method === "sendMediaGroup") {
        const { params } = request;
        return await this.#limited(params.chat_id, signal, () => this.api.sendMediaGroup(params), params.media.length);
      }
      const { method, params } = request;
      return await this.#limited(params.chat_id, signal, async () => [await this.api[method](params)]);
    } finally {
      release?.();
    }
  }

  /** A reaction on a person's message (the acknowledgement), through the rate limiter like a send. */
  react(params: SetMessageReactionParams, signal?: AbortSignal): Promise<TelegramOutcome<true>> {
    return this.#limited(params.chat_id, signal, () => this.api.setMessageReaction(params));
  }

  /**
   * Replaces a message's buttons, through the rate limiter. Telegram answers 400 "message
   * is not modified" when the keyboard already is this one: the edit's goal is met.
   */
  async editReplyMarkup(params: EditMessageReplyMarkupParams, signal?: AbortSignal): Promise<TelegramOutcome<unknown>> {
    const outcome = await this.#limited(params.chat_id, signal, () => this.api.editMessageReplyMarkup(params));
    return outcome.kind !== "ok" && isNotModified(outcome) ? { kind: "ok", value: true } : outcome;
  }

  /**
   * Ends the spinner on a pressed button. No rate-limiter slot: it sends no message, and
   * Telegram expects the answer within seconds of the press, whatever the chat's backlog.
   */
  async answerCallback(params: AnswerCallbackQueryParams): Promise<TelegramOutcome<true>> {
    try {
      return { kind: "ok", value: await this.api.answerCallbackQuery(params) };
    } catch (error) {
      return classifyFailure(error);
    }
  }

  /** Publishes the commands menu (one language scope). */
  async setCommands(params: SetMyCommandsParams, signal?: AbortSignal): Promise<TelegramOutcome<true>> {
    try {
      return { kind: "ok", value: await this.api.setMyCommands(params, { signal }) };
    } catch (error) {
      return classifyFailure(error);
    }
  }

  /** A sent message's new text (and buttons: without reply_markup Telegram removes them), on the send path. */
  editText(params: EditMessageTextParams, signal?: AbortSignal): Promise<TelegramOutcome<unknown>> {
    return this.#limited(params.chat_id, signal, () => this.api.editMessageText(params));
  }

  /** A sent message deleted, on the send path (edits and deletions count against the same limits). */
  deleteMessage(params: MessageRef, signal?: AbortSignal): Promise<TelegramOutcome<true>> {
    return this.#limited(params.chat_id, signal, () => this.api.deleteMessage(params));
  }

  /**
   * The one way a call that Telegram counts against the bot's limits leaves: a slot from
   * the rate limiter, the call, and its outcome classified. A 429 pauses the whole bot for
   * retry_after (Telegram's limits are per bot), whichever call drew it. `signal` stops
   * the wait for a slot (the promise rejects with its reason); a request already on the
   * wire is not aborted, since it may have reached Telegram and only its answer can tell.
   */
  async #limited<T>(chatId: number, signal: AbortSignal | undefined, call: () => Promise<T>, messages = 1): Promise<TelegramOutcome<T>> {
    const { clock, events, secondMs } = this.#parts;
    const waited = await this.limiter.acquire(chatId, signal, messages);
    if (waited > 0) events?.waited(waited);
    try {
      return { kind: "ok", value: await call() };
    } catch (error) {
      const failure = classifyFailure(error);
      if (failure.kind === "rate_limited") {
        events?.rateLimited();
        this.limiter.pauseUntil(clock.now() + failure.retryAfterSeconds * secondMs);
      }
      return failure;
    }
  }

  /** A user's standing in a chat, its failure classified like a send's (not rate-limited: it is no message). */
  async getChatMember(chatId: number, userId: number, signal?: AbortSignal): Promise<TelegramOutcome<ChatMemberStatus>> {
    try {
      const member = await this.api.getChatMember({ chat_id: chatId, user_id: userId }, { signal });
      return { kind: "ok", value: member.status };
    } catch (error) {
      return classifyFailure(error);
    }
  }

  /**
   * Runs the handlers registered on `bot` for one update, rejecting with a handler's
   * failure (the poller then does not confirm the batch). An update id is dispatched
   * once at a time: a batch holds each id once, and a retried batch follows the failed one.
   */
  async dispatch(update: TelegramUpdate): Promise<void> {
    const outcome: { error?: unknown; failed: boolean } = { failed: false };
    this.#dispatching.set(update.update_id, outcome);
    try {
      await this.bot.updates.handleUpdate(update);
    } catch {
      // GramIO throws for update kinds it has no context for; those are not ours to handle.
    } finally {
      this.#dispatching.delete(update.update_id);
    }
    if (outcome.failed) throw outcome.error;
  }
}
