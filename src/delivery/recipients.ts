// Names → users → keys → (bot, chat), before anything is sent. A person reached twice
// (named and in a group, or in two groups) gets the message once; so does a chat two
// keys point at. Problems the caller or the admin must fix are RequestErrors (their
// codes are in the HTTP error registry, src/http/errors.ts).
import { readersOf } from "../events/access.ts";
import type { Config } from "../config/types.ts";
import type { KeyLookup, KeyRecord } from "../keys/types.ts";
import { closest, didYouMean } from "../lib/did-you-mean.ts";
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
  const users = expandNames(config, options);
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
  if (!found) throw new RequestError("unknown_bot", `unknown bot ${showValue(bot)}${didYouMean(bot, config.bots.keys())}`);
  if (!found.enabled) throw new RequestError("bot_disabled", `bot "${bot}" is disabled in the config (enabled: false)`);
}

/** Names with a suggestion (did-you-mean scans every name), and names listed in a message. */
const SUGGESTIONS = 3;
const LISTED = 10;

/** The first few items of a user-sized list (`total` long): a message must not grow with the request. */
function listSome(items: readonly string[], separator: string, total = items.length): string {
  const more = total > LISTED ? `${separator}and ${total - LISTED} more` : "";
  return items.slice(0, LISTED).join(separator) + more;
}

/** The users a scoped client may notify (its allow list, groups flattened), and the names it may use. */
interface Scope {
  readonly allow: ReadonlySet<string>;
  readonly users: ReadonlySet<string>;
}

function scopeOf(config: Config, allow: readonly string[] | null): Scope | undefined {
  const users = readersOf(allow, (name) => config.groups.get(name)?.users);
  return users === null ? undefined : { allow: new Set(allow), users };
}

/** A name in its allow list, or one whose every user is (a member, a group of members). */
function inScope(scope: Scope, name: string, reached: readonly string[]): boolean {
  return scope.allow.has(name) || (reached.length > 0 && reached.every((user) => scope.users.has(user)));
}

/**
 * Users reached by the names, in first-seen order; names that reach nobody are one error.
 * A scoped client sees only its scope: a name outside it is refused the same way whether
 * or not it exists, and suggestions come from inside it, so neither reveals other names.
 */
function expandNames(config: Config, options: ResolveOptions): string[] {
  const scope = scopeOf(config, options.allow);
  const users = new Set<string>();
  const refused: string[] = [];
  for (const name of options.names) {
    const reached = config.users.has(name) ? [name] : config.groups.get(name)?.users;
    if (!reached || (scope && !inScope(scope, name, reached))) {
      refused.push(name);
      continue;
    }
    if (reached.length === 0) throw new RequestError("empty_group", `group "${name}" has no members`);
    for (const user of reached) users.add(user);
  }
  if (refused.length > 0) throw refusalOf(config, options, scope, refused);
  return [...users];
}

function refusalOf(config: Config, options: ResolveOptions, scope: Scope | undefined, names: readonly string[]): RequestError {
  if (!scope) {
    const candidates = () => [...config.users.keys(), ...config.groups.keys()];
    const listed = names.slice(0, LISTED).map((name, index) => `unknown recipient ${showValue(name)}${index < SUGGESTIONS ? didYouMean(name, candidates()) : ""}`);
    return new RequestError("unknown_recipient", `${listSome(listed, "; ", names.length)}; recipients are the users and groups in the config`);
  }
  const listed = names.slice(0, LISTED).map((name, index) => {
    const match = index < SUGGESTIONS ? closest(name, [...scope.allow, ...scope.users]) : undefined;
    return match === undefined ? showValue(name) : `${showValue(name)} (did you mean "${match}"?)`;
  });
  return new RequestError("forbidden_recipient", `client "${options.clientId}" may not notify ${listSome(listed, ", ", names.length)}; its allow list is [${[...scope.allow].join(", ")}]`);
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
    const unusable = unusableKeyReason(record);
    if (unusable) {
      recipient.status = "failed";
      recipient.reason = unusable;
    }
    out.push(recipient);
  }
  if (out.length === 0 && options.bot !== undefined && problems.length === before)
    problems.push(`user "${user}" has no key on bot "${options.bot}"`);
  return out;
}

/**
 * Why nothing may be sent to this key any more, or undefined while it is active (or not
 * known here). One answer for the accept (a recipient failed at once) and the worker (a
 * queued notification to a key revoked since fails before its next send).
 */
export function unusableKeyReason(record: KeyRecord | undefined): string | undefined {
  if (!record || record.status === "active") return undefined;
  if (record.status === "blocked") return "the person blocked the bot";
  return record.revokedBy === "admin"
    ? `the admin revoked key ${record.key}; the person must send /key for a new one, and the admin must put it in users`
    : "the person revoked this key (/stop)";
}
