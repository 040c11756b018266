import { errors } from "./api-error.ts";
import { snapshot, type ChatMessage } from "./chat-history.ts";
import { findTargetMessage } from "./message-target.ts";
import type { MethodContext, MethodResult } from "./method-context.ts";
import { keyboardKey, readInlineKeyboard } from "./reply-markup.ts";
import { parseMessageText } from "./send-message.ts";
import type { InlineKeyboardMarkup } from "./types.ts";

/**
 * editMessageText and editMessageReplyMarkup on messages the bot sent. Telegram facts:
 * - an unknown or deleted message is 400 "message to edit not found"; a person's message
 *   "message can't be edited"; a message without text (a photo) cannot get text;
 * - an edit without `reply_markup` removes the keyboard;
 * - an edit that changes neither the text (with its entities) nor the keyboard is 400
 *   "message is not modified: ..."; clients then rely on the error, so it is exact;
 * - both return the edited Message, with `edit_date`.
 */

const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

export function editMessageText(ctx: MethodContext): MethodResult {
  const record = editableMessage(ctx);
  if (record.message.text === undefined) throw errors.badRequest("there is no text in the message to edit");
  const text = ctx.params.string("text") ?? "";
  const parseMode = ctx.params.string("parse_mode");
  const parsed = parseMessageText(text, parseMode);
  const keyboard = readInlineKeyboard(ctx.params);
  const message = record.message;
  const sameText = message.text === parsed.text && JSON.stringify(message.entities ?? []) === JSON.stringify(parsed.entities);
  if (sameText && keyboardKey(message.reply_markup) === keyboardKey(keyboard)) throw errors.badRequest(NOT_MODIFIED);

  message.text = parsed.text;
  if (parsed.entities.length > 0) message.entities = parsed.entities;
  else delete message.entities;
  record.raw_text = text;
  if (parseMode === undefined) delete record.parse_mode;
  else record.parse_mode = parseMode;
  return finishEdit(ctx, record, keyboard);
}

export function editMessageReplyMarkup(ctx: MethodContext): MethodResult {
  const record = editableMessage(ctx);
  const keyboard = readInlineKeyboard(ctx.params);
  if (keyboardKey(record.message.reply_markup) === keyboardKey(keyboard)) throw errors.badRequest(NOT_MODIFIED);
  return finishEdit(ctx, record, keyboard);
}

function editableMessage(ctx: MethodContext): ChatMessage {
  const { record } = findTargetMessage(ctx, "message to edit not found");
  if (record.sender !== "bot") throw errors.badRequest("message can't be edited");
  return record;
}

function finishEdit(ctx: MethodContext, record: ChatMessage, keyboard: InlineKeyboardMarkup | undefined): MethodResult {
  const now = ctx.now();
  if (keyboard === undefined) delete record.message.reply_markup;
  else record.message.reply_markup = keyboard;
  record.message.edit_date = Math.floor(now / 1000);
  record.edited_at = now;
  ctx.onChange();
  return { result: snapshot(record) };
}
