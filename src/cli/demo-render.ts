// How `tgsignal demo` draws the person's Telegram chat in a terminal: each message with
// who sent it, what it replies to, whether it was edited, its buttons and reactions. Pure
// functions over the emulator's ChatMessage records, so the playground, the interactive
// change feed and --auto all show a message the same way.
import type { ChatMessage } from "../emulator/chat-history.ts";
import type { InlineKeyboardButton } from "../emulator/types.ts";

/** How much of a replied-to message the header quotes. */
const QUOTE_CHARS = 40;

/**
 * One message as the person sees it, e.g. "#3 bot:\n  Invoice …\n  [Approve] [Reject]".
 * `edited`: its text is no longer the one sent. Telegram clients mark only such edits, not
 * a changed keyboard, so the caller decides (the emulator sets edit_date for both).
 */
export function renderMessage(record: ChatMessage, personName: string, edited = false): string {
  const { message } = record;
  const who = record.sender === "bot" ? "bot" : personName;
  const reply = message.reply_to_message;
  const quote = reply?.text ?? reply?.caption;
  const replying = reply ? `, in reply to #${reply.message_id}${quote ? ` ("${clip(quote)}")` : ""}` : "";
  const state = record.deleted ? " (deleted)" : edited ? " (edited)" : "";
  const lines = [`#${message.message_id} ${who}${replying}${state}:`];
  const text = message.text ?? message.caption ?? (message.document ? `(a file: ${message.document.file_name ?? "document"})` : "(a photo)");
  lines.push(...text.split("\n").map((line) => `  ${line}`));
  for (const row of message.reply_markup?.inline_keyboard ?? []) lines.push(`  ${row.map(renderButton).join(" ")}`);
  if (record.reactions.length > 0) lines.push(`  ${record.reactions.join(" ")} (the bot's reaction)`);
  return lines.join("\n");
}

/** A callback button as "[Approve]", a link as "[Open ↗]": the arrow says it opens a page. */
export function renderButton(button: InlineKeyboardButton): string {
  return button.url === undefined ? `[${button.text}]` : `[${button.text} ↗]`;
}

/** The whole chat, oldest first, messages separated by a blank line. */
export function renderChat(records: readonly ChatMessage[], personName: string, isEdited: (record: ChatMessage) => boolean): string {
  if (records.length === 0) return "(no messages yet)";
  return records.map((record) => renderMessage(record, personName, isEdited(record))).join("\n\n");
}

/**
 * What changed between two states of one message, in the words a person would use:
 * "edited", "buttons changed", "reaction 👌". Empty when nothing they can see changed.
 */
export function describeChange(before: ChatMessage, after: ChatMessage): string[] {
  const what: string[] = [];
  if (after.deleted && !before.deleted) return ["deleted"];
  if (before.message.text !== after.message.text || before.message.caption !== after.message.caption) what.push("edited");
  if (keyboardOf(before) !== keyboardOf(after)) what.push(after.message.reply_markup ? "buttons changed" : "buttons removed");
  if (before.reactions.join() !== after.reactions.join()) what.push(after.reactions.length > 0 ? `reaction ${after.reactions.join(" ")}` : "reaction removed");
  return what;
}

function keyboardOf(record: ChatMessage): string {
  return JSON.stringify(record.message.reply_markup?.inline_keyboard ?? []);
}

function clip(text: string): string {
  const firstLine = text.split("\n", 1)[0] ?? "";
  const chars = Array.from(firstLine);
  return chars.length > QUOTE_CHARS ? `${chars.slice(0, QUOTE_CHARS - 1).join("")}…` : firstLine;
}

/** Indents every line, for output under a step's heading. */
export function indent(text: string, by = "    "): string {
  return text.split("\n").map((line) => (line === "" ? line : `${by}${line}`)).join("\n");
}
