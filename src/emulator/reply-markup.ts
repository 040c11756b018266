import { errors } from "./api-error.ts";
import { isRecord, type Params } from "./params.ts";
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "./types.ts";

/**
 * `reply_markup` as the Bot API reads it. Telegram facts reproduced here:
 * - callback_data is 1-64 bytes of UTF-8; longer is 400 "BUTTON_DATA_INVALID", and an empty
 *   one counts as absent, which leaves a text-only button: "Text buttons are unallowed";
 * - a url button takes http(s) and tg links; a link without a scheme is read as http;
 *   another scheme is "Unsupported URL protocol", a malformed link "Wrong HTTP URL";
 * - an inline keyboard holds at most 100 buttons, beyond that "reply markup is too long";
 * - reply keyboards (keyboard, remove_keyboard, force_reply) are accepted, but a Message
 *   only ever shows an inline keyboard in its reply_markup.
 */

/** Telegram's limits on inline keyboards. */
export const MAX_CALLBACK_DATA_BYTES = 64;
export const MAX_INLINE_BUTTONS = 100;

// The actions an inline button may carry; a button needs exactly one.
const ACTIONS = [
  "callback_data", "url", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
] as const;

const REPLY_KEYBOARD_KINDS = ["keyboard", "remove_keyboard", "force_reply"] as const;

const utf8 = new TextEncoder();

/**
 * The inline keyboard of a `reply_markup` parameter: undefined when absent or when it is a
 * reply keyboard; a 400 with Telegram's description when it is malformed.
 */
export function readInlineKeyboard(params: Params): InlineKeyboardMarkup | undefined {
  const raw = params.raw.reply_markup;
  if (raw === undefined || raw === null || raw === "") return undefined;
  const markup = typeof raw === "string" ? parseJson(raw) : raw;
  if (!isRecord(markup)) throw cantParseMarkup();
  if (markup.inline_keyboard === undefined) {
    if (REPLY_KEYBOARD_KINDS.some((kind) => markup[kind] !== undefined)) return undefined;
    throw cantParseMarkup();
  }
  return { inline_keyboard: readRows(markup.inline_keyboard) };
}

function readRows(rows: unknown): InlineKeyboardButton[][] {
  if (!Array.isArray(rows)) throw errors.badRequest(`field "inline_keyboard" must be of type Array`);
  let count = 0;
  const result: InlineKeyboardButton[][] = [];
  for (const row of rows) {
    if (!Array.isArray(row)) throw errors.badRequest(`field "inline_keyboard" must be an Array of Arrays`);
    count += row.length;
    if (count > MAX_INLINE_BUTTONS) throw errors.badRequest("reply markup is too long");
    result.push(row.map(readButton));
  }
  return result;
}

function readButton(value: unknown): InlineKeyboardButton {
  if (!isRecord(value)) throw cantParseButton("expected an Object");
  if (value.text === undefined) throw cantParseButton(`Can't find field "text"`);
  if (typeof value.text !== "string") throw cantParseButton(`Field "text" must be of type String`);
  // Not documented; Telegram's button errors include BUTTON_TEXT_INVALID for a label it refuses.
  if (value.text.trim() === "") throw errors.badRequest("BUTTON_TEXT_INVALID");
  // The Bot API reads an empty string field as absent.
  const action = ACTIONS.find((name) => value[name] !== undefined && value[name] !== "");
  if (action === undefined) throw cantParseButton("Text buttons are unallowed in the inline keyboard");
  const button: InlineKeyboardButton = { text: value.text, [action]: value[action] };
  if (action === "callback_data") checkCallbackData(value.callback_data);
  if (action === "url") checkButtonUrl(value.url);
  return button;
}

function checkCallbackData(data: unknown): void {
  if (typeof data !== "string") throw cantParseButton(`Field "callback_data" must be of type String`);
  if (utf8.encode(data).length > MAX_CALLBACK_DATA_BYTES) throw errors.badRequest("BUTTON_DATA_INVALID");
}

function checkButtonUrl(url: unknown): void {
  if (typeof url !== "string") throw cantParseButton(`Field "url" must be of type String`);
  const problem = urlProblem(url);
  if (problem) throw errors.badRequest(`inline keyboard button URL '${url}' is invalid: ${problem}`);
}

/** Why Telegram refuses a button's link, or undefined when it takes it. */
export function urlProblem(url: string): string | undefined {
  // "host:8080" is a host and a port, not a scheme.
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):(?!\d)/.exec(url)?.[1]?.toLowerCase();
  if (scheme === "tg") return url.length > "tg:".length ? undefined : "Wrong HTTP URL";
  if (scheme !== undefined && scheme !== "http" && scheme !== "https") return "Unsupported URL protocol";
  let parsed: URL;
  try {
    parsed = new URL(scheme === "http" || scheme === "https" ? url : `http://${url}`);
  } catch {
    return "Wrong HTTP URL";
  }
  // Telegram wants a host with a top-level domain ("not-a-url" is a wrong HTTP URL).
  const host = parsed.hostname;
  if (host === "" || !host.includes(".") || host.startsWith(".") || host.endsWith(".")) return "Wrong HTTP URL";
  return undefined;
}

/** Stable text of a keyboard, to tell whether an edit changes it ("message is not modified"). */
export function keyboardKey(markup: InlineKeyboardMarkup | undefined): string {
  return markup === undefined ? "" : JSON.stringify(markup.inline_keyboard);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw cantParseMarkup();
  }
}

const cantParseMarkup = () => errors.badRequest("can't parse reply keyboard markup JSON object");
const cantParseButton = (detail: string) => errors.badRequest(`can't parse inline keyboard button: ${detail}`);
