// A notify request, from whatever fields it came in, as the notifier's input: normalised
// and checked against NotifyRequest (schemas.ts). POST /notify, /notify/{to} and
// `tgsignal send` all come through here, so they accept and refuse the same things.
import type { NotifyInput } from "../delivery/notifier.ts";
import type { Fields } from "./body.ts";
import { httpError } from "./errors.ts";
import { checkFields, normalizeFields } from "./fields.ts";
import { DEFAULT_FORMAT, DEFAULT_WAIT_SECONDS, NotifyRequest } from "./schemas.ts";

export interface ParsedNotify {
  input: NotifyInput;
  /** Seconds to wait for delivery before answering. */
  wait: number;
}

export function parseNotifyFields(fields: Fields): ParsedNotify {
  const request = checkFields(NotifyRequest, normalizeFields(NotifyRequest, fields));
  const input: NotifyInput = { to: splitNames(request.to), text: request.text, format: request.format ?? DEFAULT_FORMAT, silent: request.silent ?? false };
  if (request.title !== undefined) input.title = request.title;
  if (request.bot !== undefined) input.bot = request.bot;
  if (request.topic !== undefined) input.topic = request.topic;
  return { input, wait: request.wait ?? DEFAULT_WAIT_SECONDS };
}

/** "a,b" and ["a", "ops,b"] alike: trimmed, in first-seen order, each once. */
function splitNames(to: string | string[]): string[] {
  const names = new Set<string>();
  for (const item of Array.isArray(to) ? to : [to]) {
    for (const name of item.split(",")) if (name.trim() !== "") names.add(name.trim());
  }
  if (names.size === 0) throw httpError("missing_recipient");
  return [...names];
}
