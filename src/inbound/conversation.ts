// What the conversation's handlers share: their dependencies (injected by the gateway),
// the part of the bot's client they use, and how a reply text is rendered and queued.
import type { BotConfig } from "../config/types.ts";
import { DEFAULT_TEXTS, pickLanguage, renderText, type Language, type TextName, type TextVars } from "../config/texts.ts";
import type { InboxStore } from "../events/types.ts";
import type { KeyRecord, KeyStore } from "../keys/types.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { BotClient } from "../telegram/bot-client.ts";
import type { NotificationLookup } from "./notifications.ts";
import type { ReplyQueue } from "./replies.ts";

/** What happened to a button press, for metrics. */
export type PressOutcome = "event" | "decided" | "expired";

export interface ConversationDeps {
  registry: KeyStore;
  log: Logger;
  replies: ReplyQueue;
  /** `at` of events: when the gateway received the update. */
  clock: Clock;
  /** The user name a key is assigned to in `users` (the live config), if any. */
  ownerOf(key: string): string | undefined;
  /** Where events go; a handler resolves once its event is durable. */
  inbox: Pick<InboxStore, "record" | "decided">;
  notifications: NotificationLookup;
  onKeyIssued?(botId: string): void;
  onPress?(botId: string, outcome: PressOutcome): void;
  /** An acknowledgement (reaction, received text, press answer, keyboard edit) was given up. */
  onAckFailed?(botId: string, kind: string): void;
}

/** The part of the bot's client the conversation uses. */
export type ConversationClient = Pick<
  BotClient,
  "config" | "username" | "send" | "getChatMember" | "react" | "editReplyMarkup" | "answerCallback"
>;

export function renderReply(config: BotConfig, language: Language, text: TextName, vars: TextVars): string {
  const template = config.texts[text] ?? DEFAULT_TEXTS[language][text];
  return renderText(template, { title: config.title, phrase: displayPhrase(config, language), ...vars });
}

/** The phrase to suggest: the language's usual one if configured, else the first configured. */
function displayPhrase(config: BotConfig, language: Language): string {
  const preferred = language === "ru" ? "мой ключ" : "my key";
  if (config.keyPhrases.includes(preferred)) return preferred;
  return config.keyPhrases[0] ?? "/key";
}

export function fullName(user: { first_name: string; last_name?: string }): string {
  return user.last_name ? `${user.first_name} ${user.last_name}` : user.first_name;
}

/** Queues a text to a chat through the reply queue (coalesced with an equal one still queued); false if dropped (shutdown). */
export function queueText(
  client: ConversationClient,
  deps: Pick<ConversationDeps, "replies" | "onAckFailed">,
  chatId: number,
  text: string,
  options: { chatter?: boolean; replyTo?: number; kind?: string } = {},
): boolean {
  const reply = options.replyTo === undefined ? {} : { reply_parameters: { message_id: options.replyTo, allow_sending_without_reply: true } };
  const kind = options.kind ?? "reply";
  return deps.replies.enqueue({
    bot: client.config.id,
    chatId,
    key: text,
    kind,
    chatter: options.chatter,
    send: (signal) => client.send({ chat_id: chatId, text, ...reply }, signal),
    onFailed: kind === "reply" ? undefined : () => deps.onAckFailed?.(client.config.id, kind),
  });
}

/**
 * The admin revoked the chat's key (POST /keys/{key}/revoke): the chat is told with
 * key_revoked, as after /stop, on the same reply path, in the language of the person who
 * asked for the key (kept in keys.log; older records: the bot's language, English for auto).
 */
export function tellKeyRevoked(client: ConversationClient, deps: Pick<ConversationDeps, "replies">, record: KeyRecord): boolean {
  const language = pickLanguage(client.config.language, record.language);
  const vars = { key: record.key, name: record.name ?? "", bot: client.username ?? client.config.id };
  return queueText(client, deps, record.chatId, renderReply(client.config, language, "key_revoked", vars));
}
