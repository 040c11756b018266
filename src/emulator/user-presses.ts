import type { BotState, ChatState } from "./bot-state.ts";
import { snapshot, type ChatMessage } from "./chat-history.ts";
import type { InlineKeyboardButton, TelegramChat, TelegramUpdate, TelegramUser, UserInit } from "./types.ts";

/**
 * A person presses a button under a bot message. A callback button makes Telegram send
 * the bot a `callback_query` update (id, from, the message as it is now, chat_instance,
 * data) and wait for answerCallbackQuery. Pressing what a person could not press (a url
 * button opens the link and tells the bot nothing; a button the message does not show; a
 * deleted message; someone else's private chat) is a mistake in the test: it throws.
 */

export interface UserPressesOptions {
  token: string;
  chat_id: number;
  message_id: number;
  /** The button's label as shown, or `{ callback_data }` to pick it by its data. */
  button: string | { callback_data: string };
  /** Who presses: defaults to the person of a private chat; required in a group. */
  from?: UserInit;
}

export function userPresses(bot: BotState, chat: ChatState, options: UserPressesOptions, nowMs: number): TelegramUpdate {
  const where = `message ${options.message_id} of chat ${chat.chat.id}`;
  const record = chat.history.find(options.message_id);
  if (!record) throw new Error(`BotApiEmulator: ${where} does not exist or was deleted`);
  const button = findButton(record, options.button, where);
  if (button.url !== undefined) {
    throw new Error(`BotApiEmulator: "${button.text}" of ${where} is a url button: it opens ${button.url} and sends the bot nothing`);
  }
  if (button.callback_data === undefined) {
    throw new Error(`BotApiEmulator: "${button.text}" of ${where} is not a callback button; only those send the bot a callback query`);
  }
  const from = presser(chat, options.from);
  if (chat.chat.type !== "private" && !chat.members.has(from.id)) chat.members.set(from.id, { user: from, status: "member" });
  const data = button.callback_data;
  const query = bot.callbackQueries.create(
    (id) => ({ id, from, message: snapshot(record), chat_instance: chat.instance, data }),
    nowMs,
  );
  return bot.updates.push((update_id) => ({ update_id, callback_query: query }));
}

function findButton(record: ChatMessage, wanted: UserPressesOptions["button"], where: string): InlineKeyboardButton {
  const buttons = record.message.reply_markup?.inline_keyboard.flat() ?? [];
  if (buttons.length === 0) throw new Error(`BotApiEmulator: ${where} has no buttons`);
  const matching = buttons.filter((button) =>
    typeof wanted === "string" ? button.text === wanted : button.callback_data === wanted.callback_data
  );
  const label = typeof wanted === "string" ? `"${wanted}"` : `callback_data ${JSON.stringify(wanted.callback_data)}`;
  const shown = buttons.map((button) => JSON.stringify(button.text)).join(", ");
  if (matching.length === 0) throw new Error(`BotApiEmulator: ${where} shows no button ${label} (it shows ${shown})`);
  if (matching.length > 1) throw new Error(`BotApiEmulator: ${where} shows ${matching.length} buttons ${label}; pick one by { callback_data }`);
  return matching[0] as InlineKeyboardButton;
}

/** In a private chat only its person can press; in a group the test names who presses. */
function presser(chat: ChatState, from: UserInit | undefined): TelegramUser {
  if (chat.chat.type === "private") {
    if (from === undefined) return personOf(chat.chat);
    if (from.id !== chat.chat.id) {
      throw new Error(`BotApiEmulator: user ${from.id} cannot press buttons in the private chat of user ${chat.chat.id}`);
    }
  }
  if (from === undefined) throw new Error(`BotApiEmulator: say who presses in group ${chat.chat.id} (options.from)`);
  return { is_bot: false, ...from };
}

/** The person of a private chat, as the chat describes them (private chat id = user id). */
function personOf(chat: TelegramChat): TelegramUser {
  return {
    id: chat.id,
    is_bot: false,
    first_name: chat.first_name ?? "User",
    ...(chat.last_name === undefined ? {} : { last_name: chat.last_name }),
    ...(chat.username === undefined ? {} : { username: chat.username }),
  };
}
