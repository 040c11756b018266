// The conversation: /start, /key and key phrases, /stop, help; plus the service updates
// that change a key (the person blocked the bot, a group became a supergroup). Updates
// are dispatched by GramIO's handlers on the bot's one GramIO instance; the decisions
// live in intent.ts. A handler resolves once its durable effect is made (the poller then
// confirms the update); its reply is queued per chat (replies.ts) and leaves through the
// bot's send path, like notifications.
import type { BotConfig } from "../config/types.ts";
import type { ChatType, KeyRecord, KeyStore } from "../keys/types.ts";
import type { Logger } from "../lib/log.ts";
import type { TelegramUpdate } from "../telegram/api.ts";
import type { BotClient } from "../telegram/bot-client.ts";
import { DEFAULT_TEXTS, pickLanguage, renderText, type Language, type TextName, type TextVars } from "../config/texts.ts";
import { classifyMessage, decideAccess, type Intent } from "./intent.ts";
import type { ReplyQueue } from "./replies.ts";

export interface ConversationDeps {
  registry: KeyStore;
  log: Logger;
  replies: ReplyQueue;
  onKeyIssued?(botId: string): void;
}

/** The part of the bot's client the conversation uses. */
export type ConversationClient = Pick<BotClient, "config" | "username" | "send" | "getChatMember">;

type Say = (text: TextName, vars?: TextVars) => void;

type Message = NonNullable<TelegramUpdate["message"]>;
type MemberUpdate = NonNullable<TelegramUpdate["my_chat_member"]>;

/** Registers the conversation on the client's GramIO bot (once per client). */
export function registerHandlers(client: BotClient, deps: ConversationDeps): void {
  client.bot.on("message", ({ update }) => update?.message && handleMessage(client, deps, update.message));
  client.bot.on("migrate_to_chat_id", ({ update }) => update?.message && handleMigration(client, deps, update.message));
  client.bot.on("my_chat_member", ({ update }) => update?.my_chat_member && handleMemberChange(client, deps, update.my_chat_member));
}

export async function handleMessage(client: ConversationClient, deps: ConversationDeps, message: Message): Promise<void> {
  const { config } = client;
  const from = message.from;
  if (!from || from.is_bot || typeof message.text !== "string") return;
  const chatType = message.chat.type as ChatType;
  if (chatType === "channel") return;
  const classified = classifyMessage(message.text, client.username, config.keyPhrases);
  if (!classified) return;
  const inGroup = chatType !== "private";
  // In groups only commands and key phrases get an answer: chatter is not for us.
  if (inGroup && !classified.command && classified.intent !== "key") return;

  const language = pickLanguage(config.language, from.language_code);
  const name = inGroup ? (message.chat.title ?? from.first_name) : from.first_name;
  const say: Say = (text, vars = {}) =>
    void deps.replies.enqueue({
      bot: config.id,
      chatId: message.chat.id,
      text: renderReply(config, language, text, { name, bot: client.username ?? config.id, ...vars }),
      chatter: text === "start" || text === "help",
      send: (params, signal) => client.send(params, signal),
    });
  await runIntent(client, deps, message, classified.intent, classified.args, say, name);
}

async function runIntent(
  client: ConversationClient,
  deps: ConversationDeps,
  message: Message,
  intent: Intent,
  args: string,
  say: Say,
  name: string,
): Promise<void> {
  const { config } = client;
  const from = message.from!;
  const chatId = message.chat.id;
  if (intent === "start" && args === "") return say("start");
  if (intent === "help") return say("help");
  if (intent === "stop") return stopKey(client, deps, message, say);
  // /key, a key phrase, or /start with a payload (a t.me/bot?start=<passphrase> link).
  const decision = decideAccess(config.access, { id: from.id, username: from.username }, args);
  if (decision !== "allowed") {
    deps.log.info("key refused", { bot: config.id, chat_id: chatId, user_id: from.id, username: from.username, reason: decision });
    return say(decision === "denied" ? "access_denied" : "passphrase_required");
  }
  const { record, isNew } = await deps.registry.issueKey({
    bot: config.id,
    chatId,
    chatType: message.chat.type as ChatType,
    username: from.username ?? null,
    name: message.chat.type === "private" ? fullName(from) : name,
    requestedBy: from.id,
  });
  if (isNew) {
    deps.onKeyIssued?.(config.id);
    deps.log.info("key issued", { bot: config.id, chat_id: chatId, key: record.key, username: from.username });
  }
  return say("key_issued", { key: record.key });
}

/** /stop revokes the chat's key; a group's key only for an admin or the person who asked for it. */
async function stopKey(client: ConversationClient, deps: ConversationDeps, message: Message, say: Say): Promise<void> {
  const botId = client.config.id;
  const chatId = message.chat.id;
  const record = deps.registry.keyForChat(botId, chatId);
  if (record && message.chat.type !== "private" && !(await mayStopGroupKey(client, deps, record, message.from!.id))) {
    deps.log.info("group key stop refused", { bot: botId, chat_id: chatId, user_id: message.from!.id });
    return say("stop_refused");
  }
  const revoked = await deps.registry.revokeChat(botId, chatId);
  if (revoked) deps.log.info("key revoked by the person", { bot: botId, chat_id: chatId, key: revoked.key });
  return revoked ? say("key_revoked", { key: revoked.key }) : say("no_key");
}

/**
 * The requester (recorded since requested_by exists; older keys are admin-only) or a chat
 * administrator, as Telegram says now. A check that may heal (5xx, network, 429) throws:
 * the update is not confirmed and comes again; any other refusal means "not an admin".
 */
async function mayStopGroupKey(client: ConversationClient, deps: ConversationDeps, record: KeyRecord, userId: number): Promise<boolean> {
  if (record.requestedBy === userId) return true;
  const member = await client.getChatMember(record.chatId, userId, deps.replies.signal);
  if (member.kind === "ok") return member.value === "creator" || member.value === "administrator";
  if (member.kind === "retryable" || member.kind === "rate_limited") throw member.error;
  return false;
}

/** A group became a supergroup: Telegram posts migrate_to_chat_id in the old chat. */
export async function handleMigration(client: ConversationClient, deps: ConversationDeps, message: Message): Promise<void> {
  const newChatId = message.migrate_to_chat_id;
  const botId = client.config.id;
  if (newChatId === undefined) return;
  const record = deps.registry.keyForChat(botId, message.chat.id);
  if (!record) return;
  await deps.registry.recordMigrated(record.key, newChatId);
  deps.log.info("group key follows the chat's migration", { bot: botId, key: record.key, from: message.chat.id, to: newChatId });
}

/**
 * The person blocked the bot (private) or removed it from the group: the key is blocked.
 * Unblocking (or adding the bot back) brings the same key back: Telegram sends a
 * my_chat_member update with status "member", and the person expects notifications to
 * resume without asking for a key again.
 */
export async function handleMemberChange(client: ConversationClient, deps: ConversationDeps, change: MemberUpdate): Promise<void> {
  const botId = client.config.id;
  const status = change.new_chat_member.status;
  if (status === "member" || status === "administrator") return reactivateKey(botId, deps, change);
  if (status !== "kicked" && status !== "left") return;
  const record = deps.registry.keyForChat(botId, change.chat.id);
  if (!record || record.status !== "active") return;
  const reason = change.chat.type === "private" ? "the person blocked the bot" : "the bot was removed from the group";
  await deps.registry.recordBlocked(record.key, reason);
  deps.log.info("key blocked", { bot: botId, key: record.key, reason });
}

async function reactivateKey(botId: string, deps: ConversationDeps, change: MemberUpdate): Promise<void> {
  const record = deps.registry.keyForChat(botId, change.chat.id);
  if (record?.status !== "blocked") return;
  await deps.registry.issueKey({
    bot: botId,
    chatId: change.chat.id,
    chatType: change.chat.type as ChatType,
    username: record.username,
    name: record.name,
    requestedBy: record.requestedBy,
  });
  deps.log.info("key reactivated: the bot was unblocked", { bot: botId, key: record.key, chat_id: change.chat.id });
}

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

function fullName(user: { first_name: string; last_name?: string }): string {
  return user.last_name ? `${user.first_name} ${user.last_name}` : user.first_name;
}
