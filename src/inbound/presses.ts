// Presses of a notification's buttons (callback_query updates), DESIGN "Interactive
// notifications". The callback_data is a handle (telegram/button-handle.ts): which
// notification and which button; the outbox keeps the button's label and data.
//
// A press is answered at once (answerCallbackQuery ends the spinner on the person's
// button), also when no system is listening, and becomes a `button` event. Unless the
// notification keeps its buttons, the first press decides: the message's keyboard becomes
// one button showing the choice (and who made it, in a group) with the same handle, and any
// later press on that message (a double tap, another member) is answered with what was
// chosen and makes no event. A handle whose notification is gone, or a press on a message
// that is not that notification's in that chat, is answered politely and makes no event.
//
// Whoever presses, the event is the recipient's: the notification went to that chat's key,
// and its user and key are the ones it was sent to (the presser is `from`). So a person
// whose key was unassigned since still has their press counted.
import { InlineKeyboard } from "gramio";
import { pickLanguage, type Language } from "../config/texts.ts";
import type { EventDraft, InboxEvent } from "../events/types.ts";
import type { TelegramCallbackQuery } from "../telegram/api.ts";
import { fullName, renderReply, type ConversationClient, type ConversationDeps } from "./conversation.ts";
import { findPressed, type PressedButton } from "./notifications.ts";
import { telegramBotId } from "./poller.ts";

/** Telegram shows at most 200 characters of a callback answer. */
const ANSWER_LIMIT = 200;

/**
 * Handles a press. `handle` is the unpacked callback_data, undefined when it is not one of
 * ours (an old keyboard, another bot's format). Resolves once the event is durable.
 */
export async function handlePress(
  client: ConversationClient,
  deps: ConversationDeps,
  query: TelegramCallbackQuery,
  updateId: number,
  handle: { notification: string; index: number } | undefined,
): Promise<void> {
  const { config } = client;
  const language = pickLanguage(config.language, query.from.language_code);
  const message = query.message;
  const at = message && { bot: config.id, chatId: message.chat.id, messageId: message.message_id };
  const pressed = handle && at ? findPressed(deps.notifications, handle, at) : undefined;
  if (!pressed || !at || !message) {
    deps.onPress?.(config.id, "expired");
    return answer(client, deps, query.id, renderReply(config, language, "button_expired", {}));
  }
  const inGroup = message.chat.type !== "private";
  const deciding = !pressed.notification.keepButtons;
  const decided = deciding ? deps.inbox.decided(config.id, at.chatId, at.messageId) : undefined;
  if (decided) {
    deps.onPress?.(config.id, "decided");
    const label = chosenLabel(client, language, decided, inGroup);
    answer(client, deps, query.id, label);
    // The keyboard may still offer the choice (its edit failed, or the gateway stopped first).
    return showChoice(client, deps, { ...at, notification: pressed.notification.id, since: Date.parse(decided.at) }, label, query.data ?? "");
  }
  deps.onPress?.(config.id, "event");
  answer(client, deps, query.id, renderReply(config, language, "button_pressed", { button: pressed.text }));
  const draft = pressDraft(client, deps, query, updateId, pressed, at);
  const { stored } = await deps.inbox.record(draft);
  if (deciding) showChoice(client, deps, { ...at, notification: pressed.notification.id, since: Date.parse(stored.event.at) }, chosenLabel(client, language, stored.event, inGroup), query.data ?? "");
}

function pressDraft(
  client: ConversationClient,
  deps: ConversationDeps,
  query: TelegramCallbackQuery,
  updateId: number,
  pressed: PressedButton,
  at: { chatId: number; messageId: number },
): EventDraft {
  const { config } = client;
  const { recipient, notification } = pressed;
  return {
    source: { bot: config.id, telegramBotId: telegramBotId(config.token), updateId },
    event: {
      type: "button",
      at: new Date(deps.clock.now()).toISOString(),
      bot: config.id,
      user: recipient.user,
      key: recipient.key,
      chat_id: at.chatId,
      message_id: at.messageId,
      from: { id: query.from.id, username: query.from.username ?? null, name: fullName(query.from) },
      text: null,
      command: null,
      args: null,
      reply_to: null,
      data: pressed.data,
      button: pressed.text,
      notification: notification.id,
    },
    files: [],
    repeatable: notification.keepButtons,
  };
}

/** "✅ Approve", or in a group "✅ Approve — Ivan Petrov" (texts.button_chosen). */
function chosenLabel(client: ConversationClient, language: Language, event: Pick<InboxEvent, "button" | "from">, inGroup: boolean): string {
  const button = event.button ?? "";
  return renderReply(client.config, language, "button_chosen", {
    button: inGroup ? `${button} — ${event.from.name}` : button,
    name: event.from.name,
  });
}

/** Ends the spinner; not awaited: the event does not wait for Telegram's answer. */
function answer(client: ConversationClient, deps: ConversationDeps, queryId: string, text: string): void {
  const chars = Array.from(text);
  const shown = chars.length > ANSWER_LIMIT ? chars.slice(0, ANSWER_LIMIT - 1).join("") + "…" : text;
  void client.answerCallback({ callback_query_id: queryId, text: shown }).then((outcome) => {
    if (outcome.kind === "ok") return;
    deps.log.warn("button press not answered", { bot: client.config.id, error: outcome.reason });
    deps.onAckFailed?.(client.config.id, "answer");
  });
}

/** Queues the keyboard edit: one button with the choice, carrying the pressed handle. */
/**
 * The message's buttons become one showing the choice. The system may have edited or
 * deleted the message since the decision (PATCH/DELETE /messages, e.g. "✅ Согласовано"
 * without buttons, right after reading the event): its edit goes through the delivery lane,
 * this one through the chat's reply queue, so this one gives way instead of putting the
 * choice back over the system's edit.
 */
function showChoice(
  client: ConversationClient,
  deps: ConversationDeps,
  at: { chatId: number; messageId: number; notification: string; since: number },
  label: string,
  handle: string,
): void {
  const botId = client.config.id;
  const reply_markup = new InlineKeyboard().text(label, handle).toJSON();
  const changedSince = () => deps.notifications.get(at.notification)?.ops?.some((op) => op.at >= at.since) ?? false;
  void deps.replies.enqueue({
    bot: botId,
    chatId: at.chatId,
    key: `\u0000keyboard ${at.messageId}`,
    kind: "keyboard",
    send: async (signal) =>
      changedSince() ? { kind: "ok", value: true } : client.editReplyMarkup({ chat_id: at.chatId, message_id: at.messageId, reply_markup }, signal),
    onFailed: () => deps.onAckFailed?.(botId, "keyboard"),
  });
}
