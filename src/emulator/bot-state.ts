import { errors } from "./api-error.ts";
import { CallbackQueries } from "./callback-queries.ts";
import { ChatHistory } from "./chat-history.ts";
import { CommandMenus } from "./command-menus.ts";
import { FileStore } from "./files.ts";
import { UpdateQueue } from "./update-queue.ts";
import type { BotInit, ChatInit, ChatMember, TelegramChat, TelegramUser } from "./types.ts";

/** What one bot knows about one chat. */
export interface ChatState {
  chat: TelegramChat;
  /** Private chat: the user blocked the bot; group: the bot was removed. */
  blocked: boolean;
  /** Set when a group became a supergroup; sends then fail with migrate_to_chat_id. */
  migratedTo?: number;
  lastMessageId: number;
  /** Group members by user id: those who wrote in it, and those set by a test. */
  members: Map<number, ChatMember>;
  /** Every message of the chat, both directions. */
  history: ChatHistory;
  /** CallbackQuery.chat_instance: stable per bot and chat. */
  instance: string;
}

export interface WebhookState {
  url: string;
  maxConnections?: number;
  allowedUpdates?: string[];
}

/** Everything the emulator keeps for one bot. */
export class BotState {
  readonly info: BotInit;
  readonly user: TelegramUser;
  readonly updates = new UpdateQueue();
  readonly chats = new Map<number, ChatState>();
  readonly commands = new CommandMenus();
  readonly callbackQueries: CallbackQueries;
  readonly files: FileStore;
  webhook: WebhookState | undefined;

  constructor(info: BotInit) {
    this.info = info;
    this.user = { id: info.id, is_bot: true, first_name: info.first_name, username: info.username };
    this.callbackQueries = new CallbackQueries(info.id);
    this.files = new FileStore(info.id);
  }

  /** Registers (or refreshes) a chat the bot may write to. */
  knowChat(init: ChatInit): ChatState {
    const existing = this.chats.get(init.id);
    const chat: TelegramChat = { ...existing?.chat, ...withoutUndefined(init), id: init.id, type: init.type };
    if (existing) {
      existing.chat = chat;
      return existing;
    }
    const state: ChatState = {
      chat,
      blocked: false,
      lastMessageId: 0,
      members: new Map(),
      history: new ChatHistory(),
      // Telegram's chat_instance is an opaque decimal string; here: bot id, sign, chat id.
      instance: `${this.info.id}${init.id < 0 ? "0" : "1"}${Math.abs(init.id)}`,
    };
    this.chats.set(init.id, state);
    return state;
  }

  /**
   * Resolves `chat_id` as Telegram does: a number, or "@username" of a known chat.
   * Unknown chats are 400 "chat not found" (a bot cannot write first to a user).
   */
  resolveChat(chatId: string | undefined): ChatState {
    if (chatId === undefined || chatId === "") throw errors.badRequest("chat_id is empty");
    const numeric = Number(chatId);
    if (Number.isInteger(numeric)) {
      const state = this.chats.get(numeric);
      if (state) return state;
      throw errors.chatNotFound();
    }
    const username = chatId.replace(/^@/, "").toLowerCase();
    for (const state of this.chats.values()) {
      if (state.chat.username?.toLowerCase() === username) return state;
    }
    throw errors.chatNotFound();
  }

  /** Message ids are sequential per chat and shared by both directions. */
  nextMessageId(chat: ChatState): number {
    chat.lastMessageId += 1;
    return chat.lastMessageId;
  }

  #mediaGroups = 0;

  /** A new album's media_group_id (Telegram's are large decimal numbers, as strings). */
  nextMediaGroupId(): string {
    this.#mediaGroups += 1;
    return `13${this.info.id}${String(this.#mediaGroups).padStart(6, "0")}`;
  }

  /**
   * getChatMember: in a private chat the person is its member; in a group, who wrote in it
   * or was set. Telegram answers 400 "user not found" for someone it cannot find there.
   */
  chatMember(chat: ChatState, userId: number): ChatMember {
    if (chat.chat.type === "private" && userId === chat.chat.id) {
      return { user: { id: userId, is_bot: false, first_name: chat.chat.first_name ?? "User" }, status: "member" };
    }
    const member = chat.members.get(userId);
    if (!member) throw errors.badRequest("user not found");
    return member;
  }

  getMe(): Record<string, unknown> {
    return {
      ...this.user,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    };
  }

  getWebhookInfo(): Record<string, unknown> {
    const info: Record<string, unknown> = {
      url: this.webhook?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: this.updates.pendingCount,
    };
    if (this.webhook?.maxConnections !== undefined) info.max_connections = this.webhook.maxConnections;
    if (this.webhook?.allowedUpdates !== undefined) info.allowed_updates = this.webhook.allowedUpdates;
    return info;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
