import { errors } from "./api-error.ts";
import type { MethodContext, MethodResult } from "./method-context.ts";
import { isRecord } from "./params.ts";
import type { BotCommand } from "./types.ts";

/**
 * The bot's command menus: setMyCommands, getMyCommands, deleteMyCommands. A list is kept
 * per scope and per `language_code` ("" = everyone whose language has no list of its own).
 * Checks, in TDLib's words (the Bot API lower-cases their first letter): at most 100
 * commands (BOT_COMMANDS_TOO_MUCH); each command trimmed, a leading "/" dropped, non-empty,
 * at most 32 characters of a-z, 0-9 and _ (else BOT_COMMAND_INVALID); each description
 * trimmed, non-empty, at most 256 characters; a language code empty or two letters a-z.
 */

export const MAX_COMMANDS = 100;
export const MAX_COMMAND_LENGTH = 32;
export const MAX_COMMAND_DESCRIPTION_LENGTH = 256;

const COMMAND_CHARACTERS = /^[a-z0-9_]+$/;
const LANGUAGE_CODE = /^([a-z]{2})?$/;
const SCOPE_TYPES = new Set(["default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat", "chat_administrators", "chat_member"]);

export function setMyCommands(ctx: MethodContext): MethodResult {
  const commands = readCommands(ctx.params.json("commands"));
  const [scope, language] = readTarget(ctx);
  ctx.bot.commands.set(scope, language, commands);
  ctx.onChange();
  return { result: true };
}

export function getMyCommands(ctx: MethodContext): MethodResult {
  const [scope, language] = readTarget(ctx);
  return { result: ctx.bot.commands.get(scope, language) };
}

export function deleteMyCommands(ctx: MethodContext): MethodResult {
  const [scope, language] = readTarget(ctx);
  ctx.bot.commands.delete(scope, language);
  ctx.onChange();
  return { result: true };
}

/** The scope key ("default", "chat:42", ...) and the language code of a call. */
function readTarget(ctx: MethodContext): [string, string] {
  const language = ctx.params.string("language_code") ?? "";
  const scope = readScope(ctx.params.json("scope"));
  if (!LANGUAGE_CODE.test(language)) throw errors.badRequest("invalid language code specified");
  return [scope, language];
}

function readScope(value: unknown): string {
  if (value === undefined || value === null) return "default";
  if (!isRecord(value)) throw cantParseScope("expected an Object");
  if (typeof value.type !== "string") throw cantParseScope(`Can't find field "type"`);
  if (!SCOPE_TYPES.has(value.type)) throw cantParseScope("Unsupported type specified");
  const needsChat = value.type.startsWith("chat");
  if (needsChat && value.chat_id === undefined) throw cantParseScope(`Can't find field "chat_id"`);
  if (value.type === "chat_member" && value.user_id === undefined) throw cantParseScope(`Can't find field "user_id"`);
  return [value.type, value.chat_id, value.user_id].filter((part) => part !== undefined).join(":");
}

function readCommands(value: unknown): BotCommand[] {
  // Telegram reads a missing `commands` as an empty list (which clears the menu).
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw errors.badRequest("can't parse commands JSON object");
  if (value.length > MAX_COMMANDS) throw errors.badRequest("BOT_COMMANDS_TOO_MUCH");
  return value.map(readCommand);
}

function readCommand(value: unknown): BotCommand {
  if (!isRecord(value)) throw errors.badRequest("can't parse BotCommand: expected an Object");
  for (const field of ["command", "description"] as const) {
    if (value[field] === undefined) throw errors.badRequest(`can't parse BotCommand: Can't find field "${field}"`);
    if (typeof value[field] !== "string") throw errors.badRequest(`can't parse BotCommand: Field "${field}" must be of type String`);
  }
  let command = String(value.command).trim();
  if (command.startsWith("/")) command = command.slice(1);
  const description = String(value.description).trim();
  if (command === "") throw errors.badRequest("command must be non-empty");
  if ([...command].length > MAX_COMMAND_LENGTH) throw errors.badRequest(`command length must not exceed ${MAX_COMMAND_LENGTH}`);
  if (description === "") throw errors.badRequest("command description must be non-empty");
  if ([...description].length > MAX_COMMAND_DESCRIPTION_LENGTH) {
    throw errors.badRequest(`command description length must not exceed ${MAX_COMMAND_DESCRIPTION_LENGTH}`);
  }
  // Telegram's servers refuse upper case and anything but a-z, 0-9 and _.
  if (!COMMAND_CHARACTERS.test(command)) throw errors.badRequest("BOT_COMMAND_INVALID");
  return { command, description };
}


const cantParseScope = (detail: string) => errors.badRequest(`can't parse BotCommandScope: ${detail}`);
