// What an ntfy or Gotify message becomes on Telegram. Both peers have priorities, and
// ntfy has emoji tags and link buttons; Telegram has only "silent or not" and HTML. So:
// low priorities are silent, high ones carry a mark in front of the title (or the text,
// when there is none), tags that are emoji short codes stand there too (as ntfy's apps
// show them), other tags become a "Tags: …" line under the text, and links become URL
// buttons (notification state buttons, issue 9). The result is a plain notify request.
import { formatMessageWithin, type Format } from "../../delivery/format.ts";
import { escapeHtml } from "../../delivery/html.ts";
import { RENDER_LIMITS, shownTooMuch, type NotifyInput } from "../../delivery/notifier.ts";
import type { When } from "../../delivery/when.ts";
import type { Button } from "../../delivery/types.ts";
import { showValue } from "../../lib/schema-messages.ts";
import { httpError, type ErrorCode } from "../errors.ts";
import { MAX_BUTTON_URL_LENGTH, MAX_LABEL_LENGTH } from "../schemas.ts";

/** silent: no sound (disable_notification); high and max: visibly urgent. */
export type Urgency = "silent" | "normal" | "high" | "max";

/** The mark an urgent message carries in front of its title, or of its text without one. */
export const URGENCY_MARKS: Readonly<Record<Urgency, string>> = { silent: "", normal: "", high: "❗", max: "‼️" };

export interface PeerMessage {
  /** Users and groups, as for /notify. */
  to: string[];
  text: string;
  /** html only for a rendered webhook template (ntfy's ?template=grafana). */
  format: Format;
  title?: string;
  urgency: Urgency;
  /** ntfy tags that are emoji short codes, as emoji, in their order. */
  emoji: string[];
  /** The other ntfy tags. */
  tags: string[];
  /** At most one row of view actions, then the click link. */
  buttons: Button[][];
  /** ntfy's Delay/At/In: held in the outbox until then. */
  when?: When;
}

/**
 * The notify request for a peer's message: Telegram HTML with the marks, the tag line and
 * the buttons. Rendered as /notify renders (in slices, no further than MAX_PARTS messages).
 */
export async function toNotifyInput(message: PeerMessage): Promise<NotifyInput> {
  const marks = [URGENCY_MARKS[message.urgency], ...message.emoji].filter((mark) => mark !== "").join(" ");
  const title = message.title?.trim() ?? "";
  let body = await formatMessageWithin({ text: message.text, format: message.format }, RENDER_LIMITS);
  if (body === undefined) throw shownTooMuch();
  if (marks !== "" && title === "") body = `${escapeHtml(marks)} ${body}`;
  if (message.tags.length > 0) body += `\n\n<i>Tags: ${escapeHtml(message.tags.join(", "))}</i>`;
  const input: NotifyInput = { to: message.to, text: body, format: "html", silent: message.urgency === "silent" };
  if (title !== "") input.title = marks === "" ? title : `${marks} ${title}`;
  if (message.buttons.length > 0) input.buttons = message.buttons;
  if (message.when) input.when = message.when;
  return input;
}

/**
 * A URL button for a link the peer sends (ntfy's Click and view actions, Gotify's
 * click.url). Telegram's URL buttons open http(s) links (and its own tg: links, which a
 * notification has no business with), so `mailto:` or `geo:` is refused with `code`,
 * like any bad button, before anything is queued.
 */
export function linkButton(label: string, url: string, where: string, code: ErrorCode): Button {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.hostname === "" || url.length > MAX_BUTTON_URL_LENGTH)
    throw httpError(code, `${where}: ${showValue(url)} is not an http:// or https:// URL of at most ${MAX_BUTTON_URL_LENGTH} characters; a Telegram button opens only web links`);
  const text = label.trim();
  if (text === "" || text.length > MAX_LABEL_LENGTH) throw httpError(code, `${where}: the label must have 1 to ${MAX_LABEL_LENGTH} characters, got ${showValue(label)}`);
  return { text, url };
}

/** The label of a click link: the host it opens, which says where it goes in any language. */
export function clickLabel(url: string): string {
  let host = url;
  try {
    host = new URL(url).hostname || url;
  } catch {
    // refused by linkButton with a clear message
  }
  const label = `🔗 ${host}`;
  return label.length <= MAX_LABEL_LENGTH ? label : `${label.slice(0, MAX_LABEL_LENGTH - 1)}…`;
}
