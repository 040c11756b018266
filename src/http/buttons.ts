// `buttons` and `button` in a request: JSON rows (or a flat list, one row), the same as
// JSON text in a form field, or the curl spelling `button=Label|data` /
// `button=Label|https://…`, repeated, where an empty `button=` starts a new row (the label
// ends at the first "|"; the rest is the URL or the data). Each button is checked with
// TypeBox against schemas.ts (DataButton, UrlButton); counts and the URL's scheme are
// checked here, so every refusal names the button and why. All of it is one pass.
import type { Button } from "../delivery/types.ts";
import { MAX_BUTTONS, MAX_BUTTONS_PER_ROW } from "../delivery/keyboard.ts";
import { Value, ValueErrorType } from "@sinclair/typebox/value";
import { describeError, showValue } from "../lib/schema-messages.ts";
import { httpError } from "./errors.ts";
import { DataButton, UrlButton } from "./schemas.ts";

/**
 * The rows from whichever spelling the request used (undefined if neither), checked.
 * `[]` means no buttons (PATCH: remove them).
 */
export function readButtons(buttons: unknown, lines: unknown): Button[][] | undefined {
  if (buttons !== undefined && lines !== undefined) throw httpError("duplicate_field", 'give the buttons once: "buttons" (JSON) or "button" (Label|data, repeated), not both');
  if (lines !== undefined) return checkRows(parseLines(typeof lines === "string" ? [lines] : (lines as unknown[])), false);
  if (buttons === undefined) return undefined;
  const value = typeof buttons === "string" ? parseJsonText(buttons) : buttons;
  if (!Array.isArray(value)) throw bad('buttons must be a list of rows, e.g. [[{"text":"Approve","data":"approve:42"}]], or a list of buttons (one row)');
  if (value.length === 0) return [];
  const nested = value.filter(Array.isArray).length;
  if (nested > 0 && nested < value.length) throw bad("buttons mixes rows and buttons; give a list of rows (lists), or one flat list of buttons");
  return checkRows(nested > 0 ? (value as unknown[][]) : [value], nested > 0);
}

/** A form field or query parameter holding the JSON text of `buttons`. */
function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw bad('buttons is not valid JSON; in a form, give the JSON text of the rows, or use button=Label|data (repeated)');
  }
}

/** `Label|data` and `Label|https://…` in order; an empty line breaks the row (empty rows are dropped). */
function parseLines(lines: unknown[]): unknown[][] {
  const rows: unknown[][] = [[]];
  lines.forEach((line, index) => {
    if (typeof line !== "string") throw bad(`button ${index + 1}: expected text like "Label|data"`);
    if (line.trim() === "") return void rows.push([]);
    const bar = line.indexOf("|");
    if (bar < 0) throw bad(`button ${index + 1} (${showValue(line)}) has no "|": write Label|data or Label|https://…`);
    const text = line.slice(0, bar);
    const value = line.slice(bar + 1);
    const link = /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
    rows.at(-1)!.push(link ? { text, url: value } : { text, data: value });
  });
  return rows.filter((row) => row.length > 0);
}

/** Telegram's limits, then each button; returns fresh rows holding only text and data or url. */
function checkRows(rows: unknown[][], nested: boolean): Button[][] {
  let total = 0;
  for (const row of rows) total += row.length;
  if (total > MAX_BUTTONS) throw bad(`${total} buttons; Telegram allows at most ${MAX_BUTTONS} under a message`);
  return rows.map((row, r) => {
    const where = nested ? `row ${r + 1}` : "the row";
    if (row.length === 0) throw bad(`${where} is empty; leave it out`);
    if (row.length > MAX_BUTTONS_PER_ROW) throw bad(`${where} has ${row.length} buttons; Telegram allows at most ${MAX_BUTTONS_PER_ROW} in a row, so split it into rows`);
    return row.map((button, b) => checkButton(button, nested ? `row ${r + 1}, button ${b + 1}` : `button ${b + 1}`));
  });
}

function checkButton(button: unknown, where: string): Button {
  if (typeof button !== "object" || button === null || Array.isArray(button)) throw bad(`${where}: expected {"text","data"} or {"text","url"}, got ${showValue(button)}`);
  const fields = button as Record<string, unknown>;
  const label = typeof fields.text === "string" ? ` (${showValue(fields.text)})` : "";
  if (("data" in fields) === ("url" in fields)) throw bad(`${where}${label}: give exactly one of "data" (a press becomes an event) or "url" (opens a link)`);
  const schema = "url" in fields ? UrlButton : DataButton;
  const error = Value.Check(schema, button) ? undefined : Value.Errors(schema, button).First();
  if (error) {
    const name = error.path.split("/")[1] ?? "";
    if (!Object.hasOwn(schema.properties, name)) throw bad(`${where}${label}: unknown field ${showValue(name)}`);
    if (error.type === ValueErrorType.ObjectRequiredProperty) throw bad(`${where}${label}: "${name}" is required (the label)`);
    throw bad(`${where}${label}: ${name}: ${describeError(error)}`);
  }
  if (typeof fields.url === "string") return { text: fields.text as string, url: checkUrl(fields.url, `${where}${label}`) };
  return { text: fields.text as string, data: fields.data as string };
}

/** Only http(s) links with a host: a `javascript:` or `file:` link is refused, not passed to Telegram. */
function checkUrl(url: string, where: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.hostname === "") throw bad(`${where}: url must be an http:// or https:// URL, got ${showValue(url)}`);
  return url;
}

function bad(message: string) {
  return httpError("bad_buttons", message);
}
