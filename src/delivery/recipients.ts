// Names → users → keys → (bot, chat), before anything is sent. A person reached twice
// (named and in a group, or in two groups) gets the message once; so does a chat two
// keys point at. Problems the caller or the admin must fix are RequestErrors (their
// codes are in the HTTP error registry, src/http/errors.ts).
import type { Config } from "../config/types.ts";
import type { KeyLookup } from "../keys/types.ts";
import { didYouMean } from "../lib/did-you-mean.ts";
import { showValue } from "../lib/schema-messages.ts";
import { RequestError } from "../lib/errors.ts";
import type { RecipientState } from "./types.ts";

export interface ResolveOptions {
  config: Config;
  keys: KeyLookup;
  names: readonly string[];
  /** Only keys of this bot. */
  bot?: string;
  /** The client's `allow` list (null = everyone). */
  allow: readonly string[] | null;
  clientId: string;
}

/** The recipients, queued; keys the person revoked or blocked come back already failed. */
export function resolveRecipients(options: ResolveOptions): RecipientState[] {
  const { config } = options;
  if (options.bot !== undefined) checkBot(config, options.bot);
  const users = expandNames(config, options.names);
  checkAllowed(config, options, users);
  const recipients: RecipientState[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const user of users) {
    const found = recipientsOf(options, user, problems);
    for (const recipient of found) {
      const chat = `${recipient.bot}:${recipient.chatId}`;
      if (seen.has(chat)) continue;
      seen.add(chat);
      recipients.push(recipient);
    }
  }
  if (problems.length > 0) throw new RequestError("recipient_unreachable", listSome(problems, "; "));
  return recipients;
}

function checkBot(config: Config, bot: string): void {
  const found = config.bots.get(bot);
  if (!found) throw new RequestError("unknown_bot", `unknown bot "${bot}"${didYouMean(bot, config.bots.keys())}`);
  if (!found.enabled) throw new RequestError("bot_disabled", `bot "${bot}" is disabled in the config (enabled: false)`);
}

/** Names with a suggestion (did-you-mean scans every name), and names listed in a message. */
const SUGGESTIONS = 3;
const LISTED = 10;

/** The first few items of a user-sized list: a message must not grow with the request. */
function listSome(items: readonly string[], separator: string): string {
  const more = items.length > LISTED ? `${separator}and ${items.length - LISTED} more` : "";
  return items.slice(0, LISTED).join(separator) + more;
}

/** Users reached by the names, in first-seen order; unknown names are one error. */
function expandNames(config: Config, names: readonly string[]): string[] {
  const users = new Set<string>();
  const unknown: string[] = [];
  const candidates = () => [...config.users.keys(), ...config.groups.keys()];
  for (const name of names) {
    const group = config.groups.get(name);
    const reached = config.users.has(name) ? [name] : group?.users;
    if (!reached) {
      unknown.push(`unknown recipient ${showValue(name)}${unknown.length < SUGGESTIONS ? didYouMean(name, candidates()) : ""}`);
      continue;
    }
    if (reached.length === 0) throw new RequestError("empty_group", `group "${name}" has no members`);
    for (const user of reached) users.add(user);
  }
  if (unknown.length > 0) throw new RequestError("unknown_recipient", `${listSome(unknown, "; ")}; recipients are the users and groups in the config`);
  return [...users];
}

function checkAllowed(config: Config, options: ResolveOptions, users: readonly string[]): void {
  if (options.allow === null) return;
  const allowed = new Set<string>();
  for (const name of options.allow) for (const user of config.groups.get(name)?.users ?? [name]) allowed.add(user);
  const denied = users.filter((user) => !allowed.has(user));
  if (denied.length === 0) return;
  throw new RequestError(
    "forbidden_recipient",
    `client "${options.clientId}" may not notify ${listSome(denied.map((user) => `"${user}"`), ", ")}; its allow list is [${options.allow.join(", ")}]`,
  );
}

function recipientsOf(options: ResolveOptions, user: string, problems: string[]): RecipientState[] {
  const { config, keys } = options;
  const out: RecipientState[] = [];
  const before = problems.length;
  for (const key of config.users.get(user)?.keys ?? []) {
    const record = keys.lookup(key);
    if (!record) {
      problems.push(`key ${key} of user "${user}" is not in the key log: the person must send /key to the bot and the admin must put that key in users`);
      continue;
    }
    if (options.bot !== undefined && record.bot !== options.bot) continue;
    const bot = config.bots.get(record.bot);
    if (!bot || !bot.enabled) {
      problems.push(`key ${key} of user "${user}" belongs to bot "${record.bot}", which is ${bot ? "disabled" : "not in the config"}`);
      continue;
    }
    const recipient: RecipientState = { user, key, bot: record.bot, chatId: record.chatId, status: "queued", next: 0, messageIds: [], attempts: 0 };
    if (record.status !== "active") {
      recipient.status = "failed";
      recipient.reason = record.status === "revoked" ? "the person revoked this key (/stop)" : "the person blocked the bot";
    }
    out.push(recipient);
  }
  if (out.length === 0 && options.bot !== undefined && problems.length === before)
    problems.push(`user "${user}" has no key on bot "${options.bot}"`);
  return out;
}
