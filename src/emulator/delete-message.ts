import { errors } from "./api-error.ts";
import { findTargetMessage } from "./message-target.ts";
import type { MethodContext, MethodResult } from "./method-context.ts";

/**
 * deleteMessage. Telegram facts: a message can be deleted for everyone only within 48
 * hours of being sent (after that: 400 "message can't be deleted for everyone"); a bot
 * deletes its own messages, and people's messages in private chats; in a group it needs
 * to be an administrator for people's messages. The 48 h run on the emulator's clock.
 */

export const DELETE_WINDOW_MS = 48 * 60 * 60 * 1000;

export function deleteMessage(ctx: MethodContext): MethodResult {
  const { chat, record } = findTargetMessage(ctx, "message to delete not found");
  if (ctx.now() - record.at >= DELETE_WINDOW_MS) throw errors.badRequest("message can't be deleted for everyone");
  if (record.sender === "person" && chat.chat.type !== "private") {
    const status = chat.members.get(ctx.bot.user.id)?.status;
    if (status !== "administrator" && status !== "creator") throw errors.badRequest("message can't be deleted");
  }
  record.deleted = true;
  ctx.onChange();
  return { result: true };
}
