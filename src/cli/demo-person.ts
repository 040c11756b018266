// Alice, the demo's person, and her Telegram chat with the demo bot on the emulator: what
// she does (writes, presses a button) and what she sees (the chat, and what changed in it
// since she last looked). The playground and --auto act through this; the interactive
// demo prints `changes()` after every change the emulator reports.
import type { BotApiEmulator } from "../emulator/bot-api.ts";
import type { ChatMessage } from "../emulator/chat-history.ts";
import { describeChange, indent, renderChat, renderMessage } from "./demo-render.ts";

export const PERSON = { id: 700100200, first_name: "Alice", username: "alice", language_code: "en" };

/**
 * The gateway answers a press before it records the event, and changes the keyboard only
 * after the event is on disk and the chat's rate limit (about one message a second) lets
 * the edit through: a press waits up to this long for the keyboard to change too. It never
 * does for a notification with `keep_buttons`, or a press on a choice already taken: those
 * presses take this long to show.
 */
const KEYBOARD_WAIT_MS = 5000;

/** What the person did was a mistake (a button no message shows, …): say so, change nothing. */
export class PersonMistake extends Error {}

export interface SayOutcome {
  /** The person's message as it is now (with the bot's reaction, if any). */
  sent: ChatMessage;
  /** The bot's first message after it, if it answered with text. */
  reply?: ChatMessage;
}

export interface PressOutcome {
  /** The notice Telegram showed over the chat (answerCallbackQuery), undefined if none yet. */
  notice?: string;
  /** The pressed message as it is now. */
  message: ChatMessage;
}

export class PersonChat {
  /** Messages as `changes()` last reported them. */
  private readonly seen = new Map<number, ChatMessage>();
  /** Presses whose answer `changes()` has not reported yet. */
  private readonly unansweredPresses = new Set<string>();

  constructor(
    private readonly emulator: BotApiEmulator,
    private readonly token: string,
  ) {}

  /** The chat as it shows now, oldest first. */
  messages(): ChatMessage[] {
    return this.emulator.messages(this.token, PERSON.id);
  }

  /** One message as she sees it (demo-render.ts). */
  render(record: ChatMessage): string {
    return renderMessage(record, PERSON.first_name, this.isEdited(record));
  }

  /** Her whole chat as she sees it. */
  renderChat(): string {
    return renderChat(this.messages(), PERSON.first_name, (record) => this.isEdited(record));
  }

  /** She writes `text`; resolves once the bot answered it with text or a reaction, or after `timeoutMs`. */
  async say(text: string, timeoutMs: number): Promise<SayOutcome> {
    const id = this.emulator.userWrites({ token: this.token, from: PERSON, text }).message?.message_id ?? 0;
    const reply = await this.waitUntil(() => {
      const answer = this.messages().find((record) => record.sender === "bot" && record.message.message_id > id);
      if (answer) return answer;
      return this.emulator.reactions(this.token, PERSON.id, id).length > 0 ? null : undefined;
    }, timeoutMs);
    const sent = this.emulator.message(this.token, PERSON.id, id);
    if (!sent) throw new Error(`demo: Alice's message #${id} is missing from her chat`);
    return reply ? { sent, reply } : { sent };
  }

  /**
   * She presses the button labelled `label` on message `messageId`, or on the newest
   * message showing it; resolves with Telegram's notice and the message as it is then.
   */
  async press(label: string, messageId: number | undefined, timeoutMs: number): Promise<PressOutcome> {
    const target = messageId === undefined ? this.newestShowing(label) : this.emulator.message(this.token, PERSON.id, messageId);
    if (!target) throw new PersonMistake(`no message in Alice's chat shows a button "${label}"`);
    const id = target.message.message_id;
    const keyboardBefore = JSON.stringify(target.message.reply_markup);
    let queryId: string;
    try {
      queryId = this.emulator.userPresses({ token: this.token, chat_id: PERSON.id, message_id: id, button: label }).callback_query?.id ?? "";
    } catch (error) {
      // The emulator refuses what a person could not do (a link button, a label not shown).
      throw new PersonMistake(String(error instanceof Error ? error.message : error).replace(/^BotApiEmulator: /, ""));
    }
    this.unansweredPresses.add(queryId);
    const answer = await this.waitUntil(() => this.emulator.callbackAnswer(this.token, queryId), timeoutMs);
    const current = () => this.emulator.message(this.token, PERSON.id, id);
    // Without an answer the bot is not listening: it will not change the keyboard either.
    if (answer) await this.waitUntil(() => (JSON.stringify(current()?.message.reply_markup) === keyboardBefore ? undefined : true), KEYBOARD_WAIT_MS);
    return { ...(answer?.text === undefined ? {} : { notice: answer.text }), message: current() ?? target };
  }

  /** The first message of the chat matching `predicate`, now or after a change; undefined after `timeoutMs`. */
  waitForMessage(predicate: (message: ChatMessage) => boolean, timeoutMs: number): Promise<ChatMessage | undefined> {
    return this.waitUntil(() => this.messages().find(predicate), timeoutMs);
  }

  /** What she would notice since the last call: new, edited and deleted messages, notices. */
  changes(): string[] {
    const reports: string[] = [];
    const now = this.messages();
    const visible = new Set(now.map((record) => record.message.message_id));
    for (const id of [...this.seen.keys()].filter((id) => !visible.has(id))) {
      reports.push(`message #${id} deleted`);
      this.seen.delete(id);
    }
    for (const record of now) {
      const before = this.seen.get(record.message.message_id);
      const what = before ? describeChange(before, record) : ["new message"];
      if (what.length > 0) reports.push(`${what.join(", ")}:\n${indent(this.render(record), "  ")}`);
      this.seen.set(record.message.message_id, record);
    }
    for (const queryId of this.unansweredPresses) {
      const answer = this.emulator.callbackAnswer(this.token, queryId);
      if (!answer) continue;
      this.unansweredPresses.delete(queryId);
      reports.push(`a notice over the chat: "${answer.text ?? ""}"`);
    }
    return reports;
  }

  /** A bot message whose text is no longer the one it was sent with (what clients mark "edited"). */
  private isEdited(record: ChatMessage): boolean {
    if (record.sender !== "bot") return false;
    const id = record.message.message_id;
    const original = this.emulator.sent(this.token, (sent) => sent.chat_id === PERSON.id && sent.message_id === id)[0];
    return original !== undefined && original.plain_text !== (record.message.text ?? record.message.caption);
  }

  private newestShowing(label: string): ChatMessage | undefined {
    return this.messages()
      .reverse()
      .find((record) => record.message.reply_markup?.inline_keyboard.some((row) => row.some((button) => button.text === label)));
  }

  /** `check()`'s first defined result, checked now and after every change; undefined on timeout. */
  private waitUntil<T>(check: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => {
      const finish = (value: T | undefined) => {
        clearTimeout(timer);
        unwatch();
        resolve(value);
      };
      const unwatch = this.emulator.watchChanges(() => {
        const value = check();
        if (value !== undefined) finish(value);
      });
      const timer = setTimeout(() => finish(undefined), timeoutMs);
    });
  }
}
