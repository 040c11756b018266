// ntfy's action buttons (docs.ntfy.sh "Action buttons", server/actions.go): a JSON array,
// or the "simple" format `view, Open portal, https://…, clear=true; http, Close door, …`
// (actions split by ";", fields by ","; a field is `key=value` or, in order, the action,
// the label and the url; a value may be quoted with " or ' and a backslash escapes the
// quote). A `view` action opens a link: it becomes a URL button. `http`, `broadcast` and
// `copy` act on the phone itself, which a Telegram button cannot do: they are refused.
import type { Button } from "../../delivery/types.ts";
import { errorMessage } from "../../lib/errors.ts";
import { showValue } from "../../lib/schema-messages.ts";
import { httpError } from "../errors.ts";
import { linkButton } from "./peer-message.ts";

/** ntfy allows three actions per message (actionsMax). */
export const MAX_NTFY_ACTIONS = 3;
const KNOWN_ACTIONS = ["view", "broadcast", "http", "copy"];
/** Keys ntfy's simple format knows, besides headers.* and extras.*. */
const KNOWN_KEYS = ["action", "label", "url", "clear", "method", "body", "intent", "value"];

type RawAction = Record<string, unknown>;

/** The view actions as one row of URL buttons; anything else is a 400 bad_actions naming the action. */
export function readNtfyActions(value: string | unknown[]): Button[] {
  const actions = typeof value === "string" ? parseActionText(value) : value;
  if (actions.length > MAX_NTFY_ACTIONS) throw bad(`${actions.length} actions; ntfy allows at most ${MAX_NTFY_ACTIONS}`);
  return actions.map((action, index) => viewButton(action, index + 1));
}

function parseActionText(text: string): unknown[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith("[")) return parseSimple(trimmed);
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    throw bad(`not valid JSON: ${errorMessage(error)}`);
  }
  if (!Array.isArray(parsed)) throw bad("the JSON form must be a list of actions");
  return parsed;
}

function viewButton(action: unknown, n: number): Button {
  if (typeof action !== "object" || action === null || Array.isArray(action)) throw bad(`action ${n}: expected an object such as {"action":"view","label":"Open","url":"https://…"}, got ${showValue(action)}`);
  const { action: kind, label, url } = action as RawAction;
  const name = typeof kind === "string" ? kind.toLowerCase() : "";
  if (!KNOWN_ACTIONS.includes(name)) throw bad(`action ${n}: ${showValue(kind)} is not an ntfy action (view, broadcast, http, copy)`);
  if (name !== "view")
    throw bad(`action ${n} is "${name}": a Telegram button cannot act on the phone (only view actions, which open a link, become buttons); leave it out or make it a view action`);
  if (typeof label !== "string" || label.trim() === "") throw bad(`action ${n}: "label" is required`);
  if (typeof url !== "string" || url === "") throw bad(`action ${n} (${showValue(label)}): "url" is required for a view action`);
  return linkButton(label, url, `action ${n} (${showValue(label)})`, "bad_actions");
}

function bad(message: string) {
  return httpError("bad_actions", `Actions: ${message}`);
}

/** The simple format, scanned once from left to right (as ntfy's actionParser). */
function parseSimple(input: string): RawAction[] {
  const actions: RawAction[] = [];
  let pos = 0;
  while (pos < input.length) {
    const action: RawAction = {};
    for (let section = 0; ; section++) {
      const parsed = parseSection(input, pos);
      pos = parsed.end;
      setField(action, section, parsed.key, parsed.value);
      if (parsed.last) break;
    }
    actions.push(action);
    while (pos < input.length && isSpace(input[pos]!)) pos++;
  }
  return actions;
}

const KEY = /([-.\w]+)\s*=\s*/y;

interface Section {
  key: string;
  value: string;
  /** Ended by ";" or the end of the input: the action is complete. */
  last: boolean;
  end: number;
}

function parseSection(input: string, start: number): Section {
  let pos = start;
  while (pos < input.length && isSpace(input[pos]!)) pos++;
  KEY.lastIndex = pos;
  const key = KEY.exec(input);
  if (key) pos = KEY.lastIndex;
  const quote = input[pos];
  if (quote === '"' || quote === "'") return parseQuoted(input, pos, quote, key?.[1] ?? "");
  let end = pos;
  while (end < input.length && input[end] !== "," && input[end] !== ";") end++;
  return { key: key?.[1] ?? "", value: input.slice(pos, end).trim(), last: end >= input.length || input[end] === ";", end: end + 1 };
}

function parseQuoted(input: string, open: number, quote: string, key: string): Section {
  let pos = open + 1;
  while (pos < input.length && !(input[pos] === quote && input[pos - 1] !== "\\")) pos++;
  if (pos >= input.length) throw bad(`a quote opened at position ${open + 1} is never closed`);
  const value = input.slice(open + 1, pos).replaceAll(`\\${quote}`, quote);
  pos++;
  while (pos < input.length && isSpace(input[pos]!)) pos++;
  if (pos < input.length && input[pos] !== "," && input[pos] !== ";") throw bad(`unexpected ${showValue(input[pos])} at position ${pos + 1}, after a quoted value`);
  return { key, value, last: pos >= input.length || input[pos] === ";", end: pos + 1 };
}

/** ntfy's populateAction: unnamed fields are, in order, the action, the label and the url. */
function setField(action: RawAction, section: number, key: string, value: string): void {
  const name = key !== "" ? key : ["action", "label", "url"][section];
  if (name === undefined) throw bad(`term ${showValue(value)} has no key; write key=value after the action, label and url`);
  const lower = name.toLowerCase();
  if (!KNOWN_KEYS.includes(lower) && !lower.startsWith("headers.") && !lower.startsWith("extras.")) throw bad(`key ${showValue(name)} unknown`);
  action[lower] = value;
}

function isSpace(char: string): boolean {
  return char === " " || char === "\t" || char === "\r" || char === "\n";
}
