// The conversation: /start, /key and key phrases, /stop, help; what people write for the
// system (person-events.ts) and their button presses (presses.ts); plus the service
// updates that change a key (the person blocked the bot, a group became a supergroup).
// Updates are dispatched by GramIO's handlers on the bot's one GramIO instance; the
// decisions live in intent.ts and message-content.ts. A handler resolves once its durable
// effect is made (a key, an event; the poller then confirms the update); its reply is
// queued per chat (replies.ts) and leaves through the bot's send path, like notifications.
//
// In a group only what is addressed to the bot counts: commands, key phrases, replies to
// the bot's messages and mentions of it. Other chatter is never answered nor recorded,
// even when privacy mode is off and Telegram delivers it.
import type { AccessConfig } from "../config/types.ts";
import type { ChatType, KeyRecord } from "../keys/types.ts";
import type { TelegramUpdate } from "../telegram/api.ts";
import type { BotClient } from "../telegram/bot-client.ts";
import { buttonHandle, unpackButtonHandle } from "../telegram/button-handle.ts";
import { pickLanguage, type TextName, type TextVars } from "../config/texts.ts";
import { fullName, queueText, renderReply, type ConversationClient, type ConversationDeps } from "./conversation.ts";
import { classifyMessage, decideAccess, type ClassifiedMessage, type Intent } from "./intent.ts";
import { readContent } from "./message-content.ts";
import { connectionOf, passOn, type Connection } from "./person-events.ts";
import { telegramBotId } from "./poller.ts";
import { handlePress } from "./presses.ts";

type Say = (text: TextName, vars?: TextVars) => void;
/** What the bot answers itself. */
type OwnIntent = Exclude<Intent, "command" | "text">;

type Message = NonNullable<TelegramUpdate["message"]>;
type MemberUpdate = NonNullable<TelegramUpdate["my_chat_member"]>;

/** Registers the conversation on the client's GramIO bot (once per client). */
export function registerHandlers(client: BotClient, deps: ConversationDeps): void {
  const { bot } = client;
  bot.on("message", ({ update }) => update?.message && handleMessage(client, deps, update.message, update.update_id));
  bot.on("migrate_to_chat_id", ({ update }) => update?.message && handleMigration(client, deps, update.message));
  bot.on("my_chat_member", ({ update }) => update?.my_chat_member && handleMemberChange(client, deps, update.my_chat_member));
  // GramIO's unpack throws on data that starts like a handle but does not parse (an older
  // handle format); answered here as expired, it never fails the batch.
  bot.on("callback_query", ({ update }, next) => {
    const query = update?.callback_query;
    if (!update || !query?.data || !buttonHandle.filter(query.data) || unpackButtonHandle(query.data)) return next();
    return handlePress(client, deps, query, update.update_id, undefined);
  });
  bot.callbackQuery(buttonHandle, ({ update, queryData }) => {
    const query = update?.callback_query;
    return query && handlePress(client, deps, query, update.update_id, queryData);
  });
  // Any other callback data (not a handle of ours): answered, so the spinner stops.
  bot.on("callback_query", ({ update }) => update?.callback_query && handlePress(client, deps, update.callback_query, update.update_id, undefined));
}

export async function handleMessage(client: ConversationClient, deps: ConversationDeps, message: Message, updateId: number): Promise<void> {
  const { config } = client;
  const from = message.from;
  // Bots are not people; an anonymous administrator's message comes "from" a placeholder bot.
  if (!from || (from.is_bot && !isAnonymousAdmin(message))) return;
  const chatType = message.chat.type as ChatType;
  if (chatType === "channel") return;
  const content = readContent(message, { id: telegramBotId(config.token), username: client.username });
  if (!content) return;
  const classified = content.isText ? classifyMessage(content.text ?? "", client.username, config.keyPhrases) : undefined;
  // A command for another bot (/key@other_bot).
  if (content.isText && !classified) return;
  const connection = connectionOf(deps, config.id, message.chat.id);
  const own = classified && ownIntent(classified, connection, config.access);
  const inGroup = chatType !== "private";
  const addressed = classified?.command || own === "key" || content.mentionsUs || content.repliesTo !== undefined;
  if (inGroup && !addressed) return;

  if (own) {
    const language = pickLanguage(config.language, from.language_code);
    const name = inGroup ? (message.chat.title ?? from.first_name) : from.first_name;
    const say: Say = (text, vars = {}) =>
      void queueText(client, deps, message.chat.id, renderReply(config, language, text, { name, bot: client.username ?? config.id, ...vars }), {
        chatter: text === "start" || text === "help",
      });
    return runIntent(client, deps, message, own, classified.args, say, name);
  }
  const command = classified?.intent === "command" ? { name: classified.name ?? "", args: classified.args } : undefined;
  return passOn(client, deps, { updateId, message, content, command, connection });
}

/**
 * The bot's own business, or undefined when the message is for the system. A connected
 * chat's text that merely starts with a key phrase ("ключ от склада у кого?") is a message,
 * unless the bot takes a passphrase after the phrase.
 */
function ownIntent(classified: ClassifiedMessage, connection: Connection, access: AccessConfig): OwnIntent | undefined {
  const { intent } = classified;
  if (intent === "command" || intent === "text") return undefined;
  const takesPassphrase = access.mode === "restricted" && access.passphrase !== null;
  if (intent === "key" && !classified.command && classified.args !== "" && connection.user !== undefined && !takesPassphrase) return undefined;
  return intent;
}

async function runIntent(
  client: ConversationClient,
  deps: ConversationDeps,
  message: Message,
  intent: OwnIntent,
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
    // Kept so that what the bot tells this chat later, unasked (an admin's revocation), is in its language.
    ...(from.language_code !== undefined && { language: from.language_code }),
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
  if (record && message.chat.type !== "private" && !isAnonymousAdmin(message) && !(await mayStopGroupKey(client, deps, record, message.from!.id))) {
    deps.log.info("group key stop refused", { bot: botId, chat_id: chatId, user_id: message.from!.id });
    return say("stop_refused");
  }
  const revoked = await deps.registry.revokeChat(botId, chatId);
  if (revoked) deps.log.info("key revoked by the person", { bot: botId, chat_id: chatId, key: revoked.key });
  return revoked ? say("key_revoked", { key: revoked.key }) : say("no_key");
}

/**
 * Posted by an anonymous administrator: Telegram sends such a message "on behalf of" the
 * group, `sender_chat` being the group itself (and `from` a placeholder bot user, which no
 * getChatMember would call an administrator). Only administrators can post so.
 */
function isAnonymousAdmin(message: Message): boolean {
  return message.sender_chat?.id === message.chat.id;
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
    language: record.language,
  });
  deps.log.info("key reactivated: the bot was unblocked", { bot: botId, key: record.key, chat_id: change.chat.id });
}
