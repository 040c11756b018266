import { errors } from "./api-error.ts";
import type { ChatState } from "./bot-state.ts";
import type { ChatMessage } from "./chat-history.ts";
import type { MethodContext } from "./method-context.ts";

/**
 * The message a call is about (`chat_id` + `message_id`), as edits, deletions and reactions
 * look it up: the chat must be known, the message must exist and not be deleted; otherwise
 * Telegram answers 400 with the method's own wording ("message to edit not found", ...).
 */
export function findTargetMessage(ctx: MethodContext, notFound: string): { chat: ChatState; record: ChatMessage } {
  const chat = ctx.bot.resolveChat(ctx.params.string("chat_id"));
  const messageId = ctx.params.int("message_id");
  if (messageId === undefined || messageId <= 0) throw errors.badRequest(notFound);
  const record = chat.history.find(messageId);
  if (!record) throw errors.badRequest(notFound);
  return { chat, record };
}
