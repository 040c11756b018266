import type { BotState, ChatState } from "./bot-state.ts";
import { replyTarget, snapshot, type ChatMessage } from "./chat-history.ts";
import { findPersonEntities } from "./text-entities.ts";
import type {
  ChatInit,
  ChatMember,
  PersonMessageOptions,
  TelegramMessage,
  TelegramUpdate,
  TelegramUser,
  UserWritesOptions,
} from "./types.ts";

/**
 * What people do on Telegram's side, turned into the updates Telegram would queue
 * for the bot. Dates are Unix seconds, as in every Bot API object.
 */

/** The content of a person's message: text with entities, or a document or photo with a caption. */
export type PersonContent = Pick<TelegramMessage, "text" | "entities" | "document" | "photo" | "caption" | "caption_entities">;

export function userWrites(bot: BotState, options: UserWritesOptions, nowMs: number): TelegramUpdate {
  const entities = findPersonEntities(options.text);
  return personPosts(bot, options, { text: options.text, ...(entities.length > 0 ? { entities } : {}) }, nowMs);
}

/**
 * A person posts a message in a chat: the chat becomes known to the bot, the message is
 * kept in the chat's history (the bot may reply to it, react to it) and queued as the
 * `message` update Telegram would send.
 */
export function personPosts(bot: BotState, options: PersonMessageOptions, content: PersonContent, nowMs: number): TelegramUpdate {
  const from: TelegramUser = { is_bot: false, ...options.from };
  const chat = bot.knowChat(options.chat ?? privateChatOf(from));
  const replyTo = repliedMessage(chat, options.reply_to_message_id);
  // Writing to a bot requires unblocking it first; Telegram then reports the bot as a member again.
  if (chat.blocked && chat.chat.type === "private") {
    chat.blocked = false;
    pushMemberChange(bot, chat, from, "kicked", "member", nowMs);
  }
  if (chat.chat.type !== "private" && !chat.members.has(from.id)) chat.members.set(from.id, { user: from, status: "member" });
  const record = chat.history.add({
    message: {
      message_id: bot.nextMessageId(chat),
      from,
      chat: chat.chat,
      date: Math.floor(nowMs / 1000),
      ...(replyTo === undefined ? {} : { reply_to_message: replyTarget(replyTo) }),
      ...content,
    },
    sender: "person",
    reactions: [],
    deleted: false,
    at: nowMs,
  });
  return bot.updates.push((update_id) => ({ update_id, message: snapshot(record) }));
}

function privateChatOf(from: TelegramUser): ChatInit {
  return {
    id: from.id,
    type: "private",
    first_name: from.first_name,
    ...(from.last_name === undefined ? {} : { last_name: from.last_name }),
    ...(from.username === undefined ? {} : { username: from.username }),
  };
}

/** A person can only reply to a message their chat shows; anything else is a mistake in the test. */
function repliedMessage(chat: ChatState, messageId: number | undefined): ChatMessage | undefined {
  if (messageId === undefined) return undefined;
  const record = chat.history.find(messageId);
  if (!record) throw new Error(`BotApiEmulator: chat ${chat.chat.id} shows no message ${messageId} to reply to`);
  return record;
}

/** The user blocks the bot (private) or removes it (group): `my_chat_member` → kicked. */
export function userBlocksBot(bot: BotState, chat: ChatState, nowMs: number): TelegramUpdate {
  chat.blocked = true;
  const user: TelegramUser =
    chat.chat.type === "private"
      ? { id: chat.chat.id, is_bot: false, first_name: chat.chat.first_name ?? "User" }
      : { id: 1, is_bot: false, first_name: "Group admin" };
  return pushMemberChange(bot, chat, user, "member", "kicked", nowMs);
}

function pushMemberChange(
  bot: BotState,
  chat: ChatState,
  from: TelegramUser,
  oldStatus: ChatMember["status"],
  newStatus: ChatMember["status"],
  nowMs: number,
): TelegramUpdate {
  const date = Math.floor(nowMs / 1000);
  const newMember: ChatMember = { user: bot.user, status: newStatus };
  if (newStatus === "kicked") newMember.until_date = 0;
  return bot.updates.push((update_id) => ({
    update_id,
    my_chat_member: {
      chat: chat.chat,
      from,
      date,
      old_chat_member: { user: bot.user, status: oldStatus },
      new_chat_member: newMember,
    },
  }));
}

/**
 * A group becomes a supergroup with a new id. Telegram posts a service message with
 * `migrate_to_chat_id` in the old group and one with `migrate_from_chat_id` in the new
 * supergroup; sends to the old id then fail with 400 and `parameters.migrate_to_chat_id`.
 */
export function migrateChat(bot: BotState, old: ChatState, newId: number, nowMs: number): TelegramUpdate[] {
  const date = Math.floor(nowMs / 1000);
  old.migratedTo = newId;
  const supergroup = bot.knowChat({
    id: newId,
    type: "supergroup",
    ...(old.chat.title === undefined ? {} : { title: old.chat.title }),
  });
  const admin: TelegramUser = { id: 1, is_bot: false, first_name: "Group admin" };
  const inOld = bot.updates.push((update_id) => ({
    update_id,
    message: { message_id: bot.nextMessageId(old), from: admin, chat: old.chat, date, migrate_to_chat_id: newId },
  }));
  const inNew = bot.updates.push((update_id) => ({
    update_id,
    message: {
      message_id: bot.nextMessageId(supergroup),
      from: admin,
      chat: supergroup.chat,
      date,
      migrate_from_chat_id: old.chat.id,
    },
  }));
  return [inOld, inNew];
}
