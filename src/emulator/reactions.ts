import { errors } from "./api-error.ts";
import { findTargetMessage } from "./message-target.ts";
import type { MethodContext, MethodResult } from "./method-context.ts";
import { isRecord } from "./params.ts";

/**
 * setMessageReaction. Telegram facts reproduced here:
 * - `reaction` is a JSON array of ReactionType; missing or empty removes the bot's reaction;
 * - bots react with "emoji" reactions from the fixed list below (ReactionTypeEmoji; written
 *   exactly, e.g. "❤" without U+FE0F); other emoji and custom_emoji are REACTION_INVALID;
 * - a bot sets at most one reaction per message (REACTIONS_TOO_MANY);
 * - the reaction is read first, then the chat and the message ("message to react not found");
 * - bots receive no message_reaction update for reactions set by bots.
 */

const ZWJ = "\u200d";

/** ReactionTypeEmoji.emoji: the emoji Telegram lets bots react with. */
export const REACTION_EMOJI: ReadonlySet<string> = new Set([
  "👍", "👎", "❤", "🔥", "🥰", "👏", "😁", "🤔", "🤯", "😱", "🤬", "😢", "🎉", "🤩", "🤮", "💩", "🙏", "👌", "🕊",
  "🤡", "🥱", "🥴", "😍", "🐳", `❤${ZWJ}🔥`, "🌚", "🌭", "💯", "🤣", "⚡", "🍌", "🏆", "💔", "🤨", "😐", "🍓", "🍾",
  "💋", "🖕", "😈", "😴", "😭", "🤓", "👻", `👨${ZWJ}💻`, "👀", "🎃", "🙈", "😇", "😨", "🤝", "✍", "🤗", "🫡", "🎅",
  "🎄", "☃", "💅", "🤪", "🗿", "🆒", "💘", "🙉", "🦄", "😘", "💊", "🙊", "😎", "👾", `🤷${ZWJ}♂`, "🤷", `🤷${ZWJ}♀`, "😡",
]);

export function setMessageReaction(ctx: MethodContext): MethodResult {
  const reactions = readReactions(ctx.params.json("reaction"));
  const { record } = findTargetMessage(ctx, "message to react not found");
  const emoji: string[] = [];
  for (const reaction of reactions) {
    if (reaction.type !== "emoji" || !REACTION_EMOJI.has(reaction.emoji)) throw errors.badRequest("REACTION_INVALID");
    emoji.push(reaction.emoji);
  }
  if (emoji.length > 1) throw errors.badRequest("REACTIONS_TOO_MANY");
  record.reactions = emoji;
  ctx.onChange();
  return { result: true };
}

interface ReadReaction {
  type: "emoji" | "custom_emoji";
  emoji: string;
}

function readReactions(value: unknown): ReadReaction[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw errors.badRequest("expected an Array of ReactionType");
  return value.map((item): ReadReaction => {
    if (!isRecord(item)) throw errors.badRequest("can't parse ReactionType: expected an Object");
    if (item.type === undefined) throw errors.badRequest(`can't parse ReactionType: Can't find field "type"`);
    if (item.type === "custom_emoji") return { type: "custom_emoji", emoji: String(item.custom_emoji_id ?? "") };
    if (item.type !== "emoji") throw errors.badRequest("can't parse ReactionType: invalid reaction type specified");
    if (item.emoji === undefined) throw errors.badRequest(`can't parse ReactionType: Can't find field "emoji"`);
    if (typeof item.emoji !== "string" || item.emoji === "") throw errors.badRequest("invalid reaction type specified");
    return { type: "emoji", emoji: item.emoji };
  });
}
