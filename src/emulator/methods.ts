import { errors } from "./api-error.ts";
import { answerCallbackQuery } from "./answer-callback-query.ts";
import { deleteMyCommands, getMyCommands, setMyCommands } from "./commands.ts";
import { deleteMessage } from "./delete-message.ts";
import { editMessageReplyMarkup, editMessageText } from "./edit-message.ts";
import { getFile } from "./file-methods.ts";
import type { MethodContext, MethodHandler, MethodResult } from "./method-context.ts";
import type { Params } from "./params.ts";
import { setMessageReaction } from "./reactions.ts";
import { sendDocument, sendMediaGroup, sendPhoto } from "./send-media.ts";
import { sendMessage } from "./send-message.ts";

async function getUpdates(ctx: MethodContext): Promise<MethodResult> {
  const { bot, params } = ctx;
  if (bot.webhook) throw errors.conflictWebhook();
  const limit = Math.min(100, Math.max(1, params.int("limit") ?? 100));
  const timeoutSeconds = Math.max(0, params.int("timeout") ?? 0);
  const timeoutMs = Math.min(timeoutSeconds * 1000, ctx.longPollMaxMs ?? Number.POSITIVE_INFINITY);
  bot.updates.setAllowedUpdates(readStringList(params, "allowed_updates"));
  const offset = params.int("offset");
  const result = await bot.updates.poll({ limit, timeoutMs, signal: ctx.signal, ...(offset === undefined ? {} : { offset }) });
  return { result };
}

function setWebhook(ctx: MethodContext): MethodResult {
  const { bot, params } = ctx;
  const url = params.string("url") ?? "";
  if (url === "") return deleteWebhook(ctx);
  if (!/^https:\/\//i.test(url)) throw errors.badRequest("bad webhook: An HTTPS URL must be provided for webhook");
  if (params.bool("drop_pending_updates")) bot.updates.dropAll();
  const allowed = readStringList(params, "allowed_updates");
  const maxConnections = params.int("max_connections");
  bot.webhook = {
    url,
    ...(maxConnections === undefined ? {} : { maxConnections }),
    ...(allowed === undefined ? {} : { allowedUpdates: allowed }),
  };
  // A long poll open while the webhook appears can no longer be served.
  bot.updates.interrupt(errors.conflictWebhook());
  return { result: true, description: "Webhook was set" };
}

function deleteWebhook(ctx: MethodContext): MethodResult {
  const { bot, params } = ctx;
  if (params.bool("drop_pending_updates")) bot.updates.dropAll();
  const had = bot.webhook !== undefined;
  bot.webhook = undefined;
  return { result: true, description: had ? "Webhook was deleted" : "Webhook is already deleted" };
}

function readStringList(params: Params, name: string): string[] | undefined {
  const value = params.json(name);
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw errors.badRequest(`can't parse ${name} JSON array`);
  }
  return value;
}

/**
 * The Bot API methods the emulator serves, keyed by lower-case name:
 * Telegram matches method names case-insensitively.
 */
export const METHODS: ReadonlyMap<string, { name: string; handle: MethodHandler }> = new Map(
  Object.entries({
    getMe: (ctx: MethodContext) => ({ result: ctx.bot.getMe() }),
    getWebhookInfo: (ctx: MethodContext) => ({ result: ctx.bot.getWebhookInfo() }),
    // BotFather's /setdescription text, shown in an empty chat with the bot.
    getMyDescription: (ctx: MethodContext) => ({ result: { description: ctx.bot.info.description ?? "" } }),
    setWebhook,
    deleteWebhook,
    getUpdates,
    sendMessage,
    sendDocument,
    sendPhoto,
    sendMediaGroup,
    editMessageText,
    editMessageReplyMarkup,
    deleteMessage,
    setMessageReaction,
    answerCallbackQuery,
    setMyCommands,
    getMyCommands,
    deleteMyCommands,
    getFile,
    getChatMember: (ctx: MethodContext) => {
      const chat = ctx.bot.resolveChat(ctx.params.string("chat_id"));
      return { result: ctx.bot.chatMember(chat, ctx.params.int("user_id") ?? 0) };
    },
  } satisfies Record<string, MethodHandler>).map(([name, handle]) => [name.toLowerCase(), { name, handle }]),
);
