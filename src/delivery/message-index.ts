// Which notification a message of ours belongs to, by (bot, chat, message id): a reply to
// any part, or a press on its buttons, is recognised without scanning the outbox. Kept up
// to date as parts are sent and replayed, and as notifications are dropped.
import type { NotificationState } from "./types.ts";

export class MessageIndex {
  readonly #byMessage = new Map<string, NotificationState>();

  get(bot: string, chatId: number, messageId: number): NotificationState | undefined {
    return this.#byMessage.get(key(bot, chatId, messageId));
  }

  /** Messages just sent to one chat (a part, or its plain-text resend). */
  add(state: NotificationState, bot: string, chatId: number, messageIds: readonly number[]): void {
    for (const id of messageIds) this.#byMessage.set(key(bot, chatId, id), state);
  }

  /** Every message a notification has (one read from a compacted log). */
  addAll(state: NotificationState): void {
    for (const recipient of state.recipients) this.add(state, recipient.bot, recipient.chatId, recipient.messageIds);
  }

  removeAll(state: NotificationState): void {
    for (const recipient of state.recipients) {
      for (const id of recipient.messageIds) {
        const entry = key(recipient.bot, recipient.chatId, id);
        if (this.#byMessage.get(entry) === state) this.#byMessage.delete(entry);
      }
    }
  }
}

function key(bot: string, chatId: number, messageId: number): string {
  return `${bot}\n${chatId}\n${messageId}`;
}
