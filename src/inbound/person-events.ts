// What a person writes for the system (DESIGN, "Two-way"): from a connected chat (its
// active key is assigned to a name in `users`) it becomes an event in the inbox, and the
// person sees it was taken (a 👌 reaction, or `texts.received` as a reply); anyone else is
// told how to connect, and nothing is recorded.
//
// The handler resolves once the event is durable, so the poller moves the offset past an
// update only when its event is on disk; the update's identity (Telegram bot id and
// update_id) makes a replayed update find its event instead of making a second one. The
// acknowledgement is queued per chat (replies.ts): it never holds the batch, and a flood
// is coalesced.
import { pickLanguage, type Language } from "../config/texts.ts";
import type { EventDraft } from "../events/types.ts";
import type { KeyRecord } from "../keys/types.ts";
import type { TelegramMessage } from "../telegram/api.ts";
import { fullName, queueText, renderReply, type ConversationClient, type ConversationDeps } from "./conversation.ts";
import type { MessageContent } from "./message-content.ts";
import { telegramBotId } from "./poller.ts";

/** The chat's active key and the name it is assigned to, when there is one of each. */
export interface Connection {
  key: KeyRecord | undefined;
  user: string | undefined;
}

export function connectionOf(deps: ConversationDeps, botId: string, chatId: number): Connection {
  const record = deps.registry.keyForChat(botId, chatId);
  const key = record?.status === "active" ? record : undefined;
  return { key, user: key ? deps.ownerOf(key.key) : undefined };
}

export interface Incoming {
  updateId: number;
  message: TelegramMessage;
  content: MessageContent;
  /** A /command other than the built-in ones. */
  command: { name: string; args: string } | undefined;
  connection: Connection;
}

/** Records the message as an event (connected) or says how to connect (anyone else). */
export async function passOn(client: ConversationClient, deps: ConversationDeps, incoming: Incoming): Promise<void> {
  const { config } = client;
  const { message, content, connection } = incoming;
  // A bare "@ourbot" carries nothing for the system.
  if (!content.text && content.files.length === 0) return;
  const language = pickLanguage(config.language, message.from?.language_code);
  const vars = { name: message.from?.first_name ?? "", bot: client.username ?? config.id };
  if (connection.user === undefined || connection.key === undefined) {
    const text = connection.key
      ? renderReply(config, language, "not_connected_key", { ...vars, key: connection.key.key })
      : renderReply(config, language, "not_connected", vars);
    queueText(client, deps, message.chat.id, text, { chatter: true });
    return;
  }
  await deps.inbox.record(messageDraft(client, deps, incoming, connection.user, connection.key.key));
  acknowledge(client, deps, message.chat.id, message.message_id, language, vars);
}

function messageDraft(client: ConversationClient, deps: ConversationDeps, incoming: Incoming, user: string, key: string): EventDraft {
  const { config } = client;
  const { message, content, command } = incoming;
  const from = message.from!;
  const repliedTo = content.repliesTo;
  const notification = repliedTo === undefined ? undefined : deps.notifications.findByMessage(config.id, message.chat.id, repliedTo);
  return {
    source: { bot: config.id, telegramBotId: telegramBotId(config.token), updateId: incoming.updateId },
    event: {
      type: "message",
      at: new Date(deps.clock.now()).toISOString(),
      bot: config.id,
      user,
      key,
      chat_id: message.chat.id,
      message_id: message.message_id,
      from: { id: from.id, username: from.username ?? null, name: fullName(from) },
      text: content.text,
      command: command?.name ?? null,
      args: command?.args ?? null,
      reply_to: notification === undefined || repliedTo === undefined ? null : { notification, message_id: repliedTo },
    },
    files: content.files,
  };
}

/**
 * The person sees the message reached the system's queue: `texts.received` as a reply to
 * it when the bot sets one, else a 👌 reaction (one of the emoji Telegram lets bots use).
 */
function acknowledge(
  client: ConversationClient,
  deps: ConversationDeps,
  chatId: number,
  messageId: number,
  language: Language,
  vars: { name: string; bot: string },
): void {
  const { config } = client;
  const received = renderReply(config, language, "received", vars);
  if (received.trim() !== "") return void queueText(client, deps, chatId, received, { replyTo: messageId, kind: "received" });
  void deps.replies.enqueue({
    bot: config.id,
    chatId,
    key: `\u0000reaction ${messageId}`,
    kind: "reaction",
    send: (signal) => client.react({ chat_id: chatId, message_id: messageId, emoji: "👌" }, signal),
    onFailed: () => deps.onAckFailed?.(config.id, "reaction"),
  });
}
