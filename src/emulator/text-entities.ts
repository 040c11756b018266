import type { MessageEntity } from "./types.ts";

/**
 * The entities Telegram marks in what a person writes (text or caption) that a bot reads:
 * - bot_command: "/" + up to 32 letters, digits or underscores, optionally "@botusername",
 *   at the start of the text or after whitespace;
 * - mention: "@username" (3-32 letters, digits, underscores) not glued to a word, so the
 *   "@bot" of "/key@bot" is part of the command and "a@b.org" is no mention.
 * Offsets and lengths are UTF-16 code units, as JavaScript string indices are. Each regex
 * has bounded repetition, so scanning is linear in the text.
 */

const COMMAND = /(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?=$|[^A-Za-z0-9_@])/g;
const MENTION = /(?<![A-Za-z0-9_@/])@[A-Za-z0-9_]{3,32}(?![A-Za-z0-9_@])/g;

export function findBotCommands(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  for (const match of text.matchAll(COMMAND)) {
    const lead = match[1] ?? "";
    const command = match[2] ?? "";
    entities.push({ type: "bot_command", offset: (match.index ?? 0) + lead.length, length: command.length });
  }
  return entities;
}

export function findMentions(text: string): MessageEntity[] {
  return [...text.matchAll(MENTION)].map((match) => ({ type: "mention", offset: match.index ?? 0, length: match[0].length }));
}

/** Commands and mentions of a person's text, in text order. */
export function findPersonEntities(text: string): MessageEntity[] {
  return [...findBotCommands(text), ...findMentions(text)].sort((a, b) => a.offset - b.offset);
}
