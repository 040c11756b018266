// Notify fields from JSON, form or query, checked one by one with messages that say what
// to send instead. Everything is validated before anything is queued.
import { didYouMean } from "../lib/did-you-mean.ts";
import { RequestError } from "../lib/errors.ts";
import { FORMATS, type Format } from "../delivery/format.ts";
import type { NotifyInput } from "../delivery/notifier.ts";
import type { Fields } from "./body.ts";

export const NOTIFY_FIELDS = ["to", "text", "format", "title", "silent", "bot", "topic", "wait"] as const;
export const DEFAULT_WAIT_SECONDS = 10;
export const MAX_WAIT_SECONDS = 60;
const MAX_TITLE = 256;

export interface ParsedNotify {
  input: NotifyInput;
  /** Seconds to wait for delivery before answering. */
  wait: number;
}

const bad = (code: string, message: string) => new RequestError(code, message, 400);

export function checkKnownFields(fields: Fields, where: string): void {
  for (const name of Object.keys(fields)) {
    if (!(NOTIFY_FIELDS as readonly string[]).includes(name))
      throw bad("unknown_field", `unknown field "${name}" in the ${where}${didYouMean(name, NOTIFY_FIELDS)}; fields: ${NOTIFY_FIELDS.join(", ")}`);
  }
}

/** Merges field sources; a field given in two places is an error rather than a guess. */
export function mergeFields(sources: Array<[string, Fields]>): Fields {
  const merged: Fields = {};
  const origin: Record<string, string> = {};
  for (const [where, fields] of sources) {
    for (const [name, value] of Object.entries(fields)) {
      if (name in merged) throw bad("duplicate_field", `"${name}" is given both in the ${origin[name]} and in the ${where}; give it once`);
      merged[name] = value;
      origin[name] = where;
    }
  }
  return merged;
}

export function parseNotifyFields(fields: Fields): ParsedNotify {
  const input: NotifyInput = {
    to: parseTo(fields.to),
    text: parseText(fields.text),
    format: parseFormat(fields.format),
    silent: parseBool(fields.silent, "silent") ?? false,
  };
  const title = optionalString(fields.title, "title");
  if (title !== undefined && title.trim() !== "") {
    if (title.length > MAX_TITLE) throw bad("bad_title", `title is ${title.length} characters; keep it under ${MAX_TITLE}`);
    input.title = title;
  }
  const bot = optionalString(fields.bot, "bot");
  if (bot !== undefined && bot !== "") input.bot = bot;
  const topic = parseTopic(fields.topic);
  if (topic !== undefined) input.topic = topic;
  return { input, wait: parseWait(fields.wait) };
}

function parseTo(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const names: string[] = [];
  for (const item of items) {
    if (typeof item !== "string") throw bad("bad_recipient", `"to" must be a name or a list of names, e.g. "ivanov" or ["ivanov","ops"]`);
    for (const name of item.split(",")) if (name.trim() !== "" && !names.includes(name.trim())) names.push(name.trim());
  }
  if (names.length === 0) throw bad("missing_recipient", 'no recipient: give "to" (a user or group from the config), or POST /notify/{to}');
  return names;
}

function parseText(value: unknown): string {
  if (value === undefined || value === null) throw bad("empty_text", 'no text: give "text", or send the text as a text/plain body to /notify/{to}');
  if (typeof value !== "string") throw bad("bad_text", '"text" must be a string');
  if (value.trim() === "") throw bad("empty_text", "text is empty; Telegram does not deliver empty messages");
  return value;
}

function parseFormat(value: unknown): Format {
  if (value === undefined || value === "") return "text";
  if (typeof value === "string" && (FORMATS as readonly string[]).includes(value.toLowerCase())) return value.toLowerCase() as Format;
  throw bad("bad_format", `format ${JSON.stringify(value)} is not supported; use ${FORMATS.join(", ")}${typeof value === "string" ? didYouMean(value, FORMATS) : ""}`);
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw bad(`bad_${name}`, `"${name}" must be a string`);
  return value;
}

/** JSON booleans, or the usual spellings in forms and query strings ("" means on: ?silent). */
export function parseBool(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const text = value.trim().toLowerCase();
    if (["", "1", "true", "yes", "on"].includes(text)) return true;
    if (["0", "false", "no", "off"].includes(text)) return false;
  }
  throw bad(`bad_${name}`, `"${name}" must be true or false (got ${JSON.stringify(value)})`);
}

function parseTopic(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const number = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 1)
    throw bad("bad_topic", `topic must be a forum thread id (a positive integer), got ${JSON.stringify(value)}`);
  return number;
}

function parseWait(value: unknown): number {
  if (value === undefined || value === null || value === "") return DEFAULT_WAIT_SECONDS;
  const number = typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number) || number < 0 || number > MAX_WAIT_SECONDS)
    throw bad("bad_wait", `wait must be seconds from 0 to ${MAX_WAIT_SECONDS} (0 = answer at once), got ${JSON.stringify(value)}`);
  return number;
}
