import { errors } from "./api-error.ts";
import type { ChatState } from "./bot-state.ts";
import { replyTarget, snapshot, type ChatMessage } from "./chat-history.ts";
import { EntityParseError, parseHtmlEntities, type ParsedText } from "./html-entities.ts";
import type { MethodContext, MethodResult } from "./method-context.ts";
import { isRecord, type Params } from "./params.ts";
import { readInlineKeyboard } from "./reply-markup.ts";
import type { InlineKeyboardMarkup, SentMessage, TelegramMessage } from "./types.ts";

/** Telegram's limit: 4096 UTF-16 code units of text after entity parsing. */
export const MAX_MESSAGE_LENGTH = 4096;

/**
 * sendMessage with Telegram's checks, in this order: chat known, not blocked, not
 * migrated, text non-empty, markup parses, length after parsing, keyboard valid, replied
 * message found, flood limits. Only accepted messages count against the flood limits.
 */
export function sendMessage(ctx: MethodContext): MethodResult {
  const { bot, params } = ctx;
  const chat = bot.resolveChat(params.string("chat_id"));
  checkChatWritable(chat);

  const text = params.string("text") ?? "";
  const parseMode = params.string("parse_mode");
  const parsed = parseMessageText(text, parseMode);
  // Read the remaining parameters now: a malformed one must fail before the flood budget is spent.
  const threadId = params.int("message_thread_id");
  const keyboard = readInlineKeyboard(params);
  const replyTo = findRepliedMessage(chat, params);

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
    ...(replyTo === undefined ? {} : { reply_to_message: replyTarget(replyTo) }),
    text: parsed.text,
    ...(parsed.entities.length > 0 ? { entities: parsed.entities } : {}),
    ...(keyboard === undefined ? {} : { reply_markup: keyboard }),
  };
  const record = chat.history.add({
    message,
    sender: "bot",
    raw_text: text,
    ...(parseMode === undefined ? {} : { parse_mode: parseMode }),
    reactions: [],
    deleted: false,
    at: now,
  });
  ctx.onSent(recordOf(ctx, message, { text, parsed, keyboard, at: now }));
  return { result: snapshot(record) };
}

export function checkChatWritable(chat: ChatState): void {
  if (chat.blocked) throw chat.chat.type === "private" ? errors.blocked() : errors.kicked();
  if (chat.migratedTo !== undefined) throw errors.migrated(chat.migratedTo);
}

/** The text of a send or an edit after parsing, refused when empty or too long. */
export function parseMessageText(text: string, parseMode: string | undefined): ParsedText {
  if (text.trim() === "") throw errors.textEmpty();
  const parsed = parseText(text, parseMode);
  if (parsed.text.trim() === "") throw errors.textEmpty();
  if (parsed.text.length > MAX_MESSAGE_LENGTH) throw errors.tooLong();
  return parsed;
}

export function parseText(text: string, parseMode: string | undefined): ParsedText {
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

/**
 * The message a send replies to: `reply_parameters.message_id`, or the older
 * `reply_to_message_id`. It must exist in the chat (deleted ones do not), unless
 * `allow_sending_without_reply` is set: then the message is sent as a plain one.
 */
export function findRepliedMessage(chat: ChatState, params: Params): ChatMessage | undefined {
  const replyParameters = params.json("reply_parameters");
  let messageId: number | undefined;
  let allowWithout = params.bool("allow_sending_without_reply") ?? false;
  if (replyParameters !== undefined) {
    if (!isRecord(replyParameters)) throw errors.badRequest("can't parse reply parameters JSON object");
    if (replyParameters.message_id === undefined) throw errors.badRequest(`can't find field "message_id"`);
    if (!Number.isInteger(replyParameters.message_id)) throw errors.badRequest(`field "message_id" must be of type Number`);
    if (replyParameters.chat_id !== undefined && replyParameters.chat_id !== chat.chat.id) {
      throw errors.badRequest("the emulator does not support replies to messages of other chats");
    }
    messageId = replyParameters.message_id as number;
    allowWithout = replyParameters.allow_sending_without_reply === true;
  } else {
    messageId = params.int("reply_to_message_id");
    if (messageId === undefined || messageId === 0) return undefined;
  }
  const record = chat.history.find(messageId);
  if (record === undefined && !allowWithout) throw errors.badRequest("message to be replied not found");
  return record;
}

interface SendDetails {
  text: string;
  parsed: ParsedText;
  keyboard: InlineKeyboardMarkup | undefined;
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
  const replyParameters = params.json("reply_parameters");
  if (replyParameters !== undefined) record.reply_parameters = replyParameters;
  if (details.keyboard !== undefined) record.reply_markup = details.keyboard;
  return record;
}
