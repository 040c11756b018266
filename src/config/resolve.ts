// Semantic checks and defaults: turns the schema-valid raw tree into the frozen Config.
import { dirname, resolve as resolvePath } from "node:path";
import { didYouMean } from "../lib/did-you-mean.ts";
import { parseDuration } from "../lib/duration.ts";
import { redactUrl } from "../lib/redact.ts";
import type { RawBot, RawClient, RawConfig } from "./schema.ts";
import {
  BOT_TOKEN_PATTERN,
  checkCron,
  checkKey,
  checkName,
  checkTokenCharacters,
  checkTimezone,
  normalizePhrase,
  parseHttpUrl,
  parseListen,
  parseSize,
} from "./checks.ts";
import { routeNameProblem } from "./route-names.ts";
import { DEFAULTS, type AccessConfig, type BotCommand, type BotConfig, type ClientConfig, type Config, type GroupConfig, type UserConfig } from "./types.ts";
import { MAX_LISTED_ISSUES, pathKey, positionAt, report, type Path, type Position, type WalkContext } from "./walk.ts";
import { TEXT_PLACEHOLDERS } from "./texts.ts";

const MIN_CLIENT_TOKEN = 16;
const MAX_BODY_LIMIT = 64 * 1024 * 1024;
/** A self-hosted Bot API server (--local) takes uploads of up to 2000 MB. */
const MAX_UPLOAD_LIMIT = 2000 * 1024 * 1024;
const MAX_RETENTION_MS = 365 * 86_400_000;
/** The bot's own commands: a configured command of the same name would never become an event. */
const BUILT_IN_COMMANDS = ["start", "key", "stop", "help"];

export function resolveConfig(ctx: WalkContext, raw: RawConfig, contentHash: string): Config | undefined {
  const at = (path: Path, part: "value" | "key" = "value"): Position =>
    positionAt(ctx, ctx.positions.get(pathKey(path, part)) ?? ctx.positions.get(pathKey(path)) ?? 0);
  const fail = (path: Path, message: string, part: "value" | "key" = "value") => report(ctx, at(path, part), message);
  const warn = (path: Path, message: string, part: "value" | "key" = "value") => report(ctx, at(path, part), message, "warning");

  const listenText = raw.listen ?? DEFAULTS.listen;
  const listen = parseListen(listenText);
  if (!listen) fail(["listen"], `listen: cannot parse "${listenText}"; write host:port, e.g. 127.0.0.1:8787 or :8787`);

  const bodyLimit = parseSize(raw.body_limit ?? DEFAULTS.bodyLimit);
  if (bodyLimit === undefined || bodyLimit < 1 || bodyLimit > MAX_BODY_LIMIT)
    fail(["body_limit"], `body_limit: "${raw.body_limit}" is not a size between 1 byte and 64MiB; e.g. 1MiB, 512KiB or 1048576`);

  const uploadLimit = parseSize(raw.upload_limit ?? DEFAULTS.uploadLimit);
  if (uploadLimit === undefined || uploadLimit < 1 || uploadLimit > MAX_UPLOAD_LIMIT)
    fail(["upload_limit"], `upload_limit: "${raw.upload_limit}" is not a size between 1 byte and 2000MiB; e.g. 50MiB (Telegram's limit), or up to 2000MiB with a self-hosted Bot API server`);

  const retentionText = raw.events_retention ?? DEFAULTS.eventsRetention;
  const eventsRetentionMs = parseDuration(retentionText);
  if (eventsRetentionMs === undefined || eventsRetentionMs > MAX_RETENTION_MS)
    fail(["events_retention"], `events_retention: "${retentionText}" is not a duration up to 365d; write a number with s, m, h or d, e.g. 7d or 36h`);

  const reporter: Reporter = {
    fail,
    warn,
    declared: (name) => ctx.positions.has(pathKey(["users", name], "key")) || ctx.positions.has(pathKey(["groups", name], "key")),
    suggest: (name, candidates) => (ctx.issues.length < MAX_LISTED_ISSUES ? didYouMean(name, candidates) : ""),
  };
  const users = resolveUsers(raw, fail);
  const groups = resolveGroups(raw, users, reporter);
  const clients = resolveClients(raw, users, groups, reporter);
  const bots = new Map<string, BotConfig>();
  for (const [id, bot] of Object.entries(raw.bots ?? {})) {
    const resolved = resolveBot(id, bot, fail);
    if (resolved) bots.set(id, resolved);
  }
  const tokens = new Map<string, string>();
  for (const bot of bots.values()) {
    const other = tokens.get(bot.token);
    if (other) fail(["bots", bot.id, "token"], `bots.${bot.id}.token: the same token as bots.${other}; two entries would poll one bot and conflict`);
    tokens.set(bot.token, bot.id);
  }

  if (ctx.issues.some((issue) => issue.severity === "error") || !listen || bodyLimit === undefined || uploadLimit === undefined || eventsRetentionMs === undefined) return undefined;
  const keyOwners = new Map<string, string>();
  for (const user of users.values()) for (const key of user.keys) keyOwners.set(key, user.name);

  return deepFreeze({
    file: ctx.file,
    contentHash,
    listen,
    dataDir: resolvePath(dirname(ctx.file), raw.data_dir ?? DEFAULTS.dataDir),
    bodyLimit,
    uploadLimit,
    eventsRetentionMs,
    clients,
    bots,
    users,
    groups,
    keyOwners,
    warnings: ctx.issues.filter((issue) => issue.severity === "warning"),
  });
}

type Fail = (path: Path, message: string, part?: "value" | "key") => void;

interface Reporter {
  fail: Fail;
  warn: Fail;
  /**
   * Named in users/groups, valid or not: an entry the walk dropped as invalid was already
   * reported, and naming it elsewhere is not a second error ("unknown member").
   */
  declared(name: string): boolean;
  /**
   * Did-you-mean, only while few problems are listed: each costs a pass over every name,
   * and 100,000 unknown members against 3,000 names took 14 s for messages nobody sees.
   */
  suggest(name: string, candidates: readonly string[]): string;
}

function resolveUsers(raw: RawConfig, fail: Fail): Map<string, UserConfig> {
  const users = new Map<string, UserConfig>();
  const owners = new Map<string, string>();
  for (const [name, value] of Object.entries(raw.users ?? {})) {
    const nameProblem = checkName(name) ?? routeNameProblem(name);
    if (nameProblem) fail(["users", name], `users: ${nameProblem}`, "key");
    const list = Array.isArray(value) ? value : [value];
    const keys: string[] = [];
    list.forEach((item, index) => {
      const key = String(item).trim();
      const path = Array.isArray(value) ? ["users", name, String(index)] : ["users", name];
      const problem = checkKey(key);
      if (problem) return fail(path, `users.${name}: ${problem}`);
      const owner = owners.get(key);
      if (owner && owner !== name) return fail(path, `users.${name}: key ${key} is already assigned to ${owner}; a key belongs to one person`);
      owners.set(key, name);
      if (!keys.includes(key)) keys.push(key);
    });
    if (list.length === 0) fail(["users", name], `users.${name}: no keys; give at least one key or remove the user`);
    users.set(name, { name, keys });
  }
  return users;
}

function resolveGroups(raw: RawConfig, users: ReadonlyMap<string, UserConfig>, { fail, warn, declared, suggest }: Reporter): Map<string, GroupConfig> {
  const rawGroups = raw.groups ?? {};
  const known = [...users.keys(), ...Object.keys(rawGroups)];
  for (const [name, members] of Object.entries(rawGroups)) {
    const nameProblem = checkName(name) ?? routeNameProblem(name);
    if (nameProblem) fail(["groups", name], `groups: ${nameProblem}`, "key");
    if (users.has(name)) fail(["groups", name], `groups.${name}: "${name}" is also a user; users and groups share one namespace`, "key");
    if (members.length === 0) warn(["groups", name], `groups.${name} is empty; notifications to it will be rejected`);
    members.forEach((member, index) => {
      if (!users.has(member) && !(member in rawGroups) && !declared(member))
        fail(["groups", name, String(index)], `groups.${name}: unknown member "${member}"${suggest(member, known)}`);
    });
  }
  const groups = new Map<string, GroupConfig>();
  for (const [name, members] of Object.entries(rawGroups)) {
    const flat = new Set<string>();
    const cycle = flattenGroup(name, rawGroups, users, flat, [name]);
    if (cycle) fail(["groups", name], `groups.${name}: groups include each other in a cycle: ${cycle.join(" → ")}`, "key");
    groups.set(name, { name, members: [...members], users: [...flat] });
  }
  return groups;
}

/** Adds the users `name` reaches (a Set: a group of 10,000 must not cost 10,000²); returns the cycle if one exists. */
function flattenGroup(name: string, rawGroups: Record<string, string[]>, users: ReadonlyMap<string, UserConfig>, out: Set<string>, stack: string[]): string[] | undefined {
  for (const member of rawGroups[name] ?? []) {
    if (users.has(member)) {
      out.add(member);
    } else if (member in rawGroups) {
      if (stack.includes(member)) return [...stack.slice(stack.indexOf(member)), member];
      const cycle = flattenGroup(member, rawGroups, users, out, [...stack, member]);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

function resolveClients(raw: RawConfig, users: ReadonlyMap<string, UserConfig>, groups: ReadonlyMap<string, GroupConfig>, { fail, declared, suggest }: Reporter): Map<string, ClientConfig> {
  const clients = new Map<string, ClientConfig>();
  const known = [...users.keys(), ...groups.keys()];
  for (const [id, client] of Object.entries(raw.clients ?? {}) as [string, RawClient][]) {
    if (client.token.length < MIN_CLIENT_TOKEN)
      fail(["clients", id, "token"], `clients.${id}.token: too short (${client.token.length} characters); use at least ${MIN_CLIENT_TOKEN}, e.g. from \`openssl rand -hex 24\``);
    const spaceProblem = checkTokenCharacters(client.token);
    if (spaceProblem) fail(["clients", id, "token"], `clients.${id}.token: ${spaceProblem}`);
    for (const list of ["allow", "to"] as const)
      client[list]?.forEach((name, index) => {
        if (!users.has(name) && !groups.has(name) && !declared(name))
          fail(["clients", id, list, String(index)], `clients.${id}.${list}: unknown user or group "${name}"${suggest(name, known)}`);
      });
    const rate = client.rate_limit;
    const webhook = resolveWebhook(id, client, fail);
    clients.set(id, {
      id,
      token: client.token,
      allow: client.allow ?? null,
      to: client.to ?? null,
      rateLimit: rate ? { perSecond: rate.per_second, burst: rate.burst ?? Math.max(1, Math.ceil(rate.per_second * 2)) } : null,
      receive: client.receive === true || webhook !== null,
      webhook,
      admin: client.admin === true,
    });
  }
  const seen = new Map<string, string>();
  for (const client of clients.values()) {
    const other = seen.get(client.token);
    if (other) fail(["clients", client.id, "token"], `clients.${client.id}.token: the same token as clients.${other}; each client needs its own`);
    seen.set(client.token, client.id);
  }
  return clients;
}

function resolveWebhook(id: string, client: RawClient, fail: Fail): ClientConfig["webhook"] {
  if (!client.webhook) return null;
  const path = ["clients", id, "webhook"];
  const { url, secret } = client.webhook;
  const parsed = parseHttpUrl(url);
  if (!parsed) fail([...path, "url"], `clients.${id}.webhook.url: "${redactUrl(url)}" is not an http(s) URL; e.g. https://erp.local/hs/tgsignal/events`);
  if (secret.length < MIN_CLIENT_TOKEN)
    fail([...path, "secret"], `clients.${id}.webhook.secret: too short (${secret.length} characters); use at least ${MIN_CLIENT_TOKEN}, e.g. from \`openssl rand -hex 24\``);
  if (client.receive === false) fail([...path], `clients.${id}: a webhook delivers events, so it needs receive: true (or leave receive out)`, "key");
  return parsed ? { url: parsed.href, secret } : null;
}

/** Telegram: a command is 1–32 of a-z, 0-9 and _; its description 1–256 characters. */
function resolveCommands(id: string, commands: Record<string, string> | undefined, fail: Fail): BotCommand[] {
  const resolved: BotCommand[] = [];
  for (const [name, description] of Object.entries(commands ?? {})) {
    const path = ["bots", id, "commands", name];
    const command = name.replace(/^\//, "");
    if (!/^[a-z0-9_]{1,32}$/.test(command)) fail(path, `bots.${id}.commands: "${name}" is not a Telegram command; use 1 to 32 lower-case latin letters, digits and _, e.g. tasks`, "key");
    else if (BUILT_IN_COMMANDS.includes(command)) fail(path, `bots.${id}.commands: /${command} is built in (${BUILT_IN_COMMANDS.map((c) => "/" + c).join(", ")}); choose another name`, "key");
    else resolved.push({ command, description });
  }
  return resolved;
}

function resolveBot(id: string, bot: RawBot, fail: Fail): BotConfig | undefined {
  const path = ["bots", id];
  const name = `bots.${id}`;
  if (!/^[A-Za-z0-9_-]+$/.test(id)) fail(path, `bots: id "${id}" may contain only latin letters, digits, "_" and "-"`, "key");
  if (!BOT_TOKEN_PATTERN.test(bot.token))
    fail([...path, "token"], `${name}.token: does not look like a bot token (123456789:AA...); copy it from @BotFather`);
  const timezone = bot.timezone ?? null;
  const zoneProblem = timezone ? checkTimezone(timezone) : undefined;
  if (zoneProblem) fail([...path, "timezone"], `${name}.timezone: ${zoneProblem}`);
  const poll = bot.poll ?? DEFAULTS.poll;
  const cronProblem = checkCron(poll, zoneProblem ? null : timezone);
  if (cronProblem) fail([...path, "poll"], `${name}.poll: ${cronProblem}`);
  const apiUrl = parseHttpUrl(bot.api_url ?? DEFAULTS.apiUrl);
  if (!apiUrl) fail([...path, "api_url"], `${name}.api_url: "${redactUrl(bot.api_url ?? "")}" is not an http(s) URL; e.g. https://api.telegram.org`);
  const proxy = bot.proxy === undefined ? null : parseHttpUrl(bot.proxy);
  if (proxy === undefined) fail([...path, "proxy"], `${name}.proxy: "${redactUrl(bot.proxy ?? "")}" is not an http(s) URL; e.g. http://proxy.local:3128`);
  for (const [textName, text] of Object.entries(bot.texts ?? {})) {
    for (const [, placeholder] of (text ?? "").matchAll(/\{(\w+)\}/g)) {
      if (!(TEXT_PLACEHOLDERS as readonly string[]).includes(placeholder!))
        fail([...path, "texts", textName], `${name}.texts.${textName}: unknown placeholder {${placeholder}}; available: ${TEXT_PLACEHOLDERS.map((p) => `{${p}}`).join(" ")}${didYouMean(placeholder!, TEXT_PLACEHOLDERS)}`);
    }
  }
  const access = resolveAccess(bot, [...path, "access"], fail);
  const keyPhrases = (bot.key_phrases ?? DEFAULTS.keyPhrases).map(normalizePhrase).filter((phrase) => phrase !== "");
  if (!apiUrl || proxy === undefined || !access) return undefined;
  return {
    id,
    title: bot.title ?? id,
    token: bot.token,
    enabled: bot.enabled ?? true,
    poll,
    timezone,
    language: bot.language ?? DEFAULTS.language,
    apiUrl: apiUrl.href.replace(/\/+$/, ""),
    proxy: proxy?.href ?? null,
    keyPhrases,
    texts: { ...bot.texts },
    access,
    commands: resolveCommands(id, bot.commands, fail),
  };
}

function resolveAccess(bot: RawBot, path: Path, fail: Fail): AccessConfig | undefined {
  const access = bot.access ?? "open";
  if (access === "open") return { mode: "open" };
  if (access.allow === undefined && access.passphrase === undefined) {
    fail(path, `${path.join(".")}: give "allow" (user ids, @usernames), "passphrase", or write access: open`);
    return undefined;
  }
  const userIds: number[] = [];
  const usernames: string[] = [];
  for (const entry of access.allow ?? []) {
    if (typeof entry === "number" || /^\d+$/.test(entry)) userIds.push(Number(entry));
    else usernames.push(entry.replace(/^@/, "").toLowerCase());
  }
  return { mode: "restricted", userIds, usernames, passphrase: access.passphrase ?? null };
}

/**
 * Freezes objects and Maps all the way down. Arrays are walked but not frozen: their types
 * are readonly, and JavaScriptCore turns a frozen array into a slow dictionary-backed one;
 * freezing a 10,000-user config's arrays stalled the event loop for 10–40 ms per reload.
 */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    if (!Array.isArray(value)) Object.freeze(value);
    if (value instanceof Map) for (const item of value.values()) deepFreeze(item);
    else for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
