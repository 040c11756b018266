// What a person's message asks for, and whether this bot's access setting lets them
// have a key. Pure functions over text and config, tested without Telegram.
import { normalizePhrase } from "../config/checks.ts";
import type { AccessConfig } from "../config/types.ts";

/** The bot's own business (start, key, stop, help), another /command, or plain text. */
export type Intent = "start" | "key" | "stop" | "help" | "command" | "text";

export interface ClassifiedMessage {
  intent: Intent;
  /** Text after the command or key phrase (a passphrase, a /start payload, a command's arguments). */
  args: string;
  /** A /command (as opposed to free text): in groups only commands get answers. */
  command: boolean;
  /** The command's name, lower case, without "/" and "@botname" (commands only). */
  name?: string;
}

// Telegram: a command is "/" + up to 32 letters, digits or underscores, optionally
// "@botusername"; in groups clients append the bot's username to disambiguate.
const COMMAND = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,32}))?(?:\s+([\s\S]*))?$/;

// A Map, not an object literal: "/constructor" must not find Object.prototype's member.
const COMMAND_INTENTS = new Map<string, Intent>([
  ["start", "start"],
  ["key", "key"],
  ["stop", "stop"],
  ["help", "help"],
]);

/**
 * Classifies a message text. Returns undefined for a command addressed to another bot.
 * `botUsername` is ours (without @), when known.
 */
export function classifyMessage(
  text: string,
  botUsername: string | undefined,
  keyPhrases: readonly string[],
): ClassifiedMessage | undefined {
  const trimmed = text.trim();
  const command = COMMAND.exec(trimmed);
  if (command) {
    const [, name = "", target, rest = ""] = command;
    if (target && botUsername && target.toLowerCase() !== botUsername.toLowerCase()) return undefined;
    const lower = name.toLowerCase();
    return { intent: COMMAND_INTENTS.get(lower) ?? "command", args: rest.trim(), command: true, name: lower };
  }
  const normalized = normalizePhrase(trimmed);
  // Longest phrase first, so "мой ключ" wins over "ключ" when both are configured.
  for (const phrase of [...keyPhrases].sort((a, b) => b.length - a.length)) {
    if (normalized === phrase) return { intent: "key", args: "", command: false };
    if (normalized.startsWith(phrase + " ")) return { intent: "key", args: normalized.slice(phrase.length + 1), command: false };
  }
  return { intent: "text", args: "", command: false };
}

export type AccessDecision = "allowed" | "denied" | "passphrase_required";

export interface Requester {
  id: number;
  username?: string;
}

/**
 * open: anyone. restricted: people on the allow-list get a key without more ado; anyone
 * else needs the passphrase (when one is set) or is refused. Passphrases compare the way
 * key phrases do (case and punctuation ignored): people type them on phones.
 */
export function decideAccess(access: AccessConfig, requester: Requester, args: string): AccessDecision {
  if (access.mode === "open") return "allowed";
  const username = requester.username?.toLowerCase();
  if (access.userIds.includes(requester.id) || (username !== undefined && access.usernames.includes(username))) return "allowed";
  if (access.passphrase === null) return "denied";
  if (args !== "" && normalizePhrase(args) === normalizePhrase(access.passphrase)) return "allowed";
  return "passphrase_required";
}
