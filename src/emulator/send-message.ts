import { errors } from "./api-error.ts";
import type { ChatState } from "./bot-state.ts";
import { EntityParseError, parseHtmlEntities, type ParsedText } from "./html-entities.ts";
import type { MethodContext, MethodResult } from "./method-context.ts";
import type { SentMessage, TelegramMessage } from "./types.ts";

/** Telegram's limit: 4096 UTF-16 code units of text after entity parsing. */
export const MAX_MESSAGE_LENGTH = 4096;

/**
 * sendMessage with Telegram's checks, in this order: chat known, not blocked, not
 * migrated, text non-empty, markup parses, length after parsing, flood limits.
 * Only accepted messages count against the flood limits.
 */
export function sendMessage(ctx: MethodContext): MethodResult {
  const { bot, params } = ctx;
  const chat = bot.resolveChat(params.string("chat_id"));
  checkChatWritable(chat);

  const text = params.string("text") ?? "";
  if (text.trim() === "") throw errors.textEmpty();
  const parseMode = params.string("parse_mode");
  const parsed = parseText(text, parseMode);
  if (parsed.text.trim() === "") throw errors.textEmpty();
  if (parsed.text.length > MAX_MESSAGE_LENGTH) throw errors.tooLong();
  // Read the remaining parameters now: a malformed one must fail before the flood budget is spent.
  const threadId = params.int("message_thread_id");
  const replyParameters = params.json("reply_parameters");

  const now = ctx.now();
  const chatId = chat.chat.id;
  if (ctx.flood) {
    const retryAfter = ctx.flood.retryAfter(ctx.token, chatId, now);
    if (retryAfter > 0) throw errors.tooManyRequests(retryAfter);
    ctx.flood.record(ctx.token, chatId, now);
  }

  const message: TelegramMessage = {
    message_id: bot.nextMessageId(chat),
    ...(threadId === undefined ? {} : { message_thread_id: threadId }),
    from: bot.user,
    chat: chat.chat,
    date: Math.floor(now / 1000),
    text: parsed.text,
    ...(parsed.entities.length > 0 ? { entities: parsed.entities } : {}),
  };
  ctx.onSent(recordOf(ctx, message, { text, parsed, replyParameters, at: now }));
  return { result: message };
}

function checkChatWritable(chat: ChatState): void {
  if (chat.blocked) throw chat.chat.type === "private" ? errors.blocked() : errors.kicked();
  if (chat.migratedTo !== undefined) throw errors.migrated(chat.migratedTo);
}

function parseText(text: string, parseMode: string | undefined): ParsedText {
  if (parseMode === undefined || parseMode === "") return { text, entities: [] };
  const mode = parseMode.toLowerCase();
  if (mode === "html") {
    try {
      return parseHtmlEntities(text);
    } catch (error) {
      if (error instanceof EntityParseError) throw errors.cantParse(error.message);
      throw error;
    }
  }
  // MarkdownV2/Markdown are accepted but not interpreted: the product never sends them.
  if (mode === "markdownv2" || mode === "markdown") return { text, entities: [] };
  throw errors.badRequest("unsupported parse_mode");
}

interface SendDetails {
  text: string;
  parsed: ParsedText;
  replyParameters: unknown;
  at: number;
}

function recordOf(ctx: MethodContext, message: TelegramMessage, details: SendDetails): SentMessage {
  const { text, parsed, at } = details;
  const { params } = ctx;
  const record: SentMessage = {
    token: ctx.token,
    bot_username: ctx.bot.info.username,
    chat_id: message.chat.id,
    message_id: message.message_id,
    text,
    plain_text: parsed.text,
    entities: parsed.entities,
    at,
    params: { ...params.raw },
  };
  const parseMode = params.string("parse_mode");
  if (parseMode !== undefined) record.parse_mode = parseMode;
  const silent = params.bool("disable_notification");
  if (silent !== undefined) record.disable_notification = silent;
  if (message.message_thread_id !== undefined) record.message_thread_id = message.message_thread_id;
  if (details.replyParameters !== undefined) record.reply_parameters = details.replyParameters;
  return record;
}
