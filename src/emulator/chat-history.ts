import type { TelegramMessage } from "./types.ts";

/**
 * One message of a chat as the people in it see it now: both directions, kept so that
 * replies, edits, deletions, reactions and button presses can be checked as Telegram does,
 * and so tests can inspect what a person sees.
 */
export interface ChatMessage {
  /** The message as Telegram would return it now: current text, keyboard, edit_date. */
  message: TelegramMessage;
  /** "bot" for what the bot sent, "person" for what a person wrote. */
  sender: "bot" | "person";
  /** Bot messages: the `text` parameter of the send or of the last edit, markup included. */
  raw_text?: string;
  parse_mode?: string;
  /** The bot's reaction to the message (bots choose at most one emoji). */
  reactions: string[];
  /** Deleted messages stay here (for tests) but Telegram no longer finds them. */
  deleted: boolean;
  /** Emulator clock (ms) when it was sent, and when it was last edited. */
  at: number;
  edited_at?: number;
}

/** A chat's messages by id. Ids are per chat and shared by both directions. */
export class ChatHistory {
  private readonly byId = new Map<number, ChatMessage>();

  add(record: ChatMessage): ChatMessage {
    this.byId.set(record.message.message_id, record);
    return record;
  }

  /** The message as Telegram finds it: undefined when unknown or deleted. */
  find(messageId: number | undefined): ChatMessage | undefined {
    if (messageId === undefined) return undefined;
    const record = this.byId.get(messageId);
    return record && !record.deleted ? record : undefined;
  }

  /** The record even when deleted (what tests inspect). */
  get(messageId: number): ChatMessage | undefined {
    return this.byId.get(messageId);
  }

  /** What the chat shows now, oldest first. */
  visible(): ChatMessage[] {
    return [...this.byId.values()].filter((record) => !record.deleted).sort((a, b) => a.message.message_id - b.message.message_id);
  }
}

/** A copy of the message as it is now: updates and answers must not change with later edits. */
export function snapshot(record: ChatMessage): TelegramMessage {
  return structuredClone(record.message);
}

/** The message as `reply_to_message` shows it: Telegram nests replies one level only. */
export function replyTarget(record: ChatMessage): TelegramMessage {
  const { reply_to_message: _nested, ...message } = snapshot(record);
  return message;
}

/** A copy for tests, so that they cannot change the emulator's state through it. */
export function copyRecord(record: ChatMessage | undefined): ChatMessage | undefined {
  return record === undefined ? undefined : structuredClone(record);
}
