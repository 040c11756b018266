// The conversation: /start, /key and key phrases, /stop, help; plus the service updates
// that change a key (the person blocked the bot, a group became a supergroup). Updates
// are dispatched by GramIO's handlers; the decisions live in intent.ts.
import type { Bot } from "gramio";
import type { BotConfig } from "../config/types.ts";
import type { KeyRegistry } from "../keys/registry.ts";
import type { ChatType } from "../keys/types.ts";
import type { Logger } from "../lib/log.ts";
import type { TelegramUpdate } from "../telegram/api.ts";
import { classifyMessage, decideAccess, type Intent } from "./intent.ts";
import { DEFAULT_TEXTS, pickLanguage, renderText, type Language, type TextName, type TextVars } from "../telegram/texts.ts";

export interface HandlerDeps {
  botId: string;
  /** The bot's current config (texts, access, phrases apply live); undefined once removed. */
  config(): BotConfig | undefined;
  /** Our @username without "@", once getMe has answered. */
  username(): string | undefined;
  registry: KeyRegistry;
  /** Sends a reply through the bot's rate limiter. */
  reply(chatId: number, text: string): Promise<void>;
  log: Logger;
  onKeyIssued?(): void;
}

type Message = NonNullable<TelegramUpdate["message"]>;
type Update = TelegramUpdate;

/** Registers our handlers on `bot`; the result dispatches one update and rethrows handler failures. */
export function registerHandlers(bot: Bot, deps: HandlerDeps): (update: Update) => Promise<void> {
  const failures = new WeakMap<object, unknown>();
  const guard = (run: (update: Update) => Promise<void>) => async (context: { update?: Update }) => {
    const update = context.update;
    if (!update) return;
    try {
      await run(update);
    } catch (error) {
      failures.set(update, error);
    }
  };
  bot.on("message", guard((update) => handleMessage(deps, update.message!)));
  bot.on("migrate_to_chat_id", guard((update) => handleMigration(deps, update.message!)));
  bot.on("my_chat_member", guard((update) => handleMemberChange(deps, update)));
  return async (update) => {
    // GramIO throws for update kinds it has no context for; those are not ours to handle.
    await bot.updates.handleUpdate(update).catch((error: unknown) => deps.log.debug("update not handled", { error }));
    if (failures.has(update)) throw failures.get(update);
  };
}

export async function handleMessage(deps: HandlerDeps, message: Message): Promise<void> {
  const config = deps.config();
  const from = message.from;
  if (!config || !from || from.is_bot || typeof message.text !== "string") return;
  const chatType = message.chat.type as ChatType;
  if (chatType === "channel") return;
  const classified = classifyMessage(message.text, deps.username(), config.keyPhrases);
  if (!classified) return;
  const inGroup = chatType !== "private";
  // In groups only commands and key phrases get an answer: chatter is not for us.
  if (inGroup && !classified.command && classified.intent !== "key") return;

  const language = pickLanguage(config.language, from.language_code);
  const name = inGroup ? (message.chat.title ?? from.first_name) : from.first_name;
  const say = (text: TextName, vars: TextVars = {}) =>
    deps.reply(message.chat.id, renderReply(config, language, text, { name, bot: deps.username() ?? config.id, ...vars }));
  await runIntent(deps, config, message, classified.intent, classified.args, say, name);
}

async function runIntent(
  deps: HandlerDeps,
  config: BotConfig,
  message: Message,
  intent: Intent,
  args: string,
  say: (text: TextName, vars?: TextVars) => Promise<void>,
  name: string,
): Promise<void> {
  const from = message.from!;
  const chatId = message.chat.id;
  if (intent === "start" && args === "") return say("start");
  if (intent === "help") return say("help");
  if (intent === "stop") {
    const revoked = await deps.registry.revokeChat(config.id, chatId);
    if (revoked) deps.log.info("key revoked by the person", { bot: config.id, chat_id: chatId, key: revoked.key });
    return revoked ? say("key_revoked", { key: revoked.key }) : say("no_key");
  }
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
  });
  if (isNew) {
    deps.onKeyIssued?.();
    deps.log.info("key issued", { bot: config.id, chat_id: chatId, key: record.key, username: from.username });
  }
  return say("key_issued", { key: record.key });
}

/** A group became a supergroup: Telegram posts migrate_to_chat_id in the old chat. */
export async function handleMigration(deps: HandlerDeps, message: Message): Promise<void> {
  const newChatId = message.migrate_to_chat_id;
  if (newChatId === undefined) return;
  const record = deps.registry.keyForChat(deps.botId, message.chat.id);
  if (!record) return;
  await deps.registry.recordMigrated(record.key, newChatId);
  deps.log.info("group key follows the chat's migration", { bot: deps.botId, key: record.key, from: message.chat.id, to: newChatId });
}

/**
 * The person blocked the bot (private) or removed it from the group: the key is blocked.
 * Unblocking (or adding the bot back) brings the same key back: Telegram sends a
 * my_chat_member update with status "member", and the person expects notifications to
 * resume without asking for a key again.
 */
export async function handleMemberChange(deps: HandlerDeps, update: Update): Promise<void> {
  const change = update.my_chat_member;
  if (!change) return;
  const status = change.new_chat_member.status;
  if (status === "member" || status === "administrator") return reactivateKey(deps, change);
  if (status !== "kicked" && status !== "left") return;
  const record = deps.registry.keyForChat(deps.botId, change.chat.id);
  if (!record || record.status !== "active") return;
  const reason = change.chat.type === "private" ? "the person blocked the bot" : "the bot was removed from the group";
  await deps.registry.recordBlocked(record.key, reason);
  deps.log.info("key blocked", { bot: deps.botId, key: record.key, reason });
}

async function reactivateKey(deps: HandlerDeps, change: NonNullable<Update["my_chat_member"]>): Promise<void> {
  const record = deps.registry.keyForChat(deps.botId, change.chat.id);
  if (record?.status !== "blocked") return;
  await deps.registry.issueKey({
    bot: deps.botId,
    chatId: change.chat.id,
    chatType: change.chat.type as ChatType,
    username: record.username,
    name: record.name,
  });
  deps.log.info("key reactivated: the bot was unblocked", { bot: deps.botId, key: record.key, chat_id: change.chat.id });
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
