// The narrow Telegram port: just the Bot API calls tgsignal makes. The adapter uses
// GramIO; tests use the fake Bot API server (integration) or test/fakes/fake-telegram.ts.
// Errors become TelegramApiError / NetworkError with tokens redacted.
import { Bot, TelegramError, type TelegramUpdate, type TelegramUser, type TelegramWebhookInfo } from "gramio";
import { NetworkError, TelegramApiError } from "../lib/errors.ts";
import { redactor } from "../lib/redact.ts";

export type { TelegramUpdate, TelegramUser, TelegramWebhookInfo };

export interface SendMessageParams {
  chat_id: number;
  text: string;
  parse_mode?: "HTML";
  disable_notification?: boolean;
  message_thread_id?: number;
  link_preview_options?: { is_disabled: boolean };
}

export interface SentMessage {
  message_id: number;
  chat: { id: number };
}

export interface GetUpdatesParams {
  offset?: number;
  limit?: number;
  /** Long-poll seconds. */
  timeout?: number;
  allowed_updates?: string[];
}

export interface TelegramApi {
  getMe(): Promise<TelegramUser>;
  getWebhookInfo(): Promise<TelegramWebhookInfo>;
  /** The text people see in an empty chat with the bot (BotFather's /setdescription). */
  getMyDescription(): Promise<{ description: string }>;
  getUpdates(params: GetUpdatesParams): Promise<TelegramUpdate[]>;
  sendMessage(params: SendMessageParams): Promise<SentMessage>;
}

export interface GramioApiOptions {
  token: string;
  /** Bot API server root, e.g. https://api.telegram.org */
  apiUrl: string;
  /** Extra fetch options (a proxy from the platform, an abort signal for pollers). */
  fetchOptions?: RequestInit;
  /** Called after each call with the method and outcome (metrics). */
  onCall?: (method: string, outcome: string, ms: number) => void;
  /** Per-call deadline; getUpdates adds its long-poll timeout on top. */
  timeoutMs?: number;
}

/** Builds the GramIO bot used both for calls and for dispatching updates to handlers. */
export function createGramioBot(options: GramioApiOptions): Bot {
  return new Bot({
    token: options.token,
    api: { baseURL: `${options.apiUrl}/bot`, fetchOptions: options.fetchOptions as never },
    plugins: { format: false },
  });
}

export function createTelegramApi(bot: Bot, options: GramioApiOptions): TelegramApi {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const call = async <T>(method: string, run: () => Promise<T>, extraMs = 0): Promise<T> => {
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new NetworkError(method, `no answer within ${(timeoutMs + extraMs) / 1000}s`)), timeoutMs + extraMs);
      });
      const result = await Promise.race([run(), deadline]);
      options.onCall?.(method, "ok", performance.now() - started);
      return result;
    } catch (error) {
      const mapped = mapError(method, error);
      options.onCall?.(method, mapped instanceof TelegramApiError ? String(mapped.errorCode) : "network", performance.now() - started);
      throw mapped;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    getMe: () => call("getMe", () => bot.api.getMe()),
    getWebhookInfo: () => call("getWebhookInfo", () => bot.api.getWebhookInfo()),
    getMyDescription: () => call("getMyDescription", () => bot.api.getMyDescription({})),
    getUpdates: (params) =>
      call("getUpdates", () => bot.api.getUpdates(params as never) as Promise<TelegramUpdate[]>, (params.timeout ?? 0) * 1000),
    sendMessage: (params) => call("sendMessage", () => bot.api.sendMessage(params) as Promise<SentMessage>),
  };
}

/** Telegram's answer or the network's failure, as our error family, tokens redacted. */
export function mapError(method: string, error: unknown): Error {
  if (error instanceof TelegramApiError || error instanceof NetworkError) return error;
  if (error instanceof TelegramError) {
    const payload = error.payload as { retry_after?: number; migrate_to_chat_id?: number } | undefined;
    return new TelegramApiError(method, error.code, redactor.redact(error.message), payload?.retry_after, payload?.migrate_to_chat_id);
  }
  const message = error instanceof Error ? error.message : String(error);
  // A non-JSON answer (an HTML 502 page from a proxy) surfaces as a JSON parse error.
  return new NetworkError(method, redactor.redact(message));
}
