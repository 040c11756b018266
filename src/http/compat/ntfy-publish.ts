// An ntfy publish request, however it came (a body to /{name}, or JSON to /), mapped onto
// a notification: one function per group of ntfy fields, so a feature that lands later
// (scheduled delivery, files: issue 10) replaces its function and nothing else.
import { MAX_PARTS, RENDER_LIMITS, textTooLong } from "../../delivery/notifier.ts";
import { readWhen, type When } from "../../delivery/when.ts";
import type { Button } from "../../delivery/types.ts";
import type { RenderedTemplate } from "../../templates/webhooks.ts";
import { httpError } from "../errors.ts";
import { checkValue } from "../fields.ts";
import { NotifyRequest } from "../schemas.ts";
import { readNtfyActions } from "./ntfy-actions.ts";
import { NTFY_EMOJI } from "./ntfy-emoji.ts";
import { isNtfyTrue, splitTags, type NtfyParams } from "./ntfy-params.ts";
import { clickLabel, linkButton, type PeerMessage, type Urgency } from "./peer-message.ts";

/** ntfy's text for a message published without one (server.go emptyMessageBody). */
export const EMPTY_MESSAGE = "triggered";

export interface NtfyRequest {
  /** The recipients as the client named them (the path, or the JSON topic). */
  topic: string;
  to: string[];
  params: NtfyParams;
  /** The JSON form's actions list (the header form is params.actions). */
  actions?: unknown[];
  /** The body (trimmed later) or the JSON message. */
  message?: string;
  /** `Content-Type: text/markdown`, ntfy's other way to ask for markdown. */
  markdownType?: boolean;
  /** ?template=grafana|alertmanager: the body rendered instead of taken as text. */
  rendered?: RenderedTemplate;
  /** Filename: the body is this file; the text (its caption) comes from Message, or is none. */
  file?: string;
}

/** What ntfy's answer repeats of the message (its message JSON, server/types.go). */
export interface NtfyEcho {
  title?: string;
  message: string;
  priority?: number;
  tags?: string[];
  click?: string;
  actions?: Array<{ action: "view"; label: string; url: string; clear: false }>;
  content_type?: "text/markdown";
}

export interface MappedNtfy {
  message: PeerMessage;
  echo: NtfyEcho;
  /** Fields accepted but not acted on, for the X-Tgsignal-Warning header. */
  warnings: string[];
}

export function mapNtfy(request: NtfyRequest): MappedNtfy {
  const { params } = request;
  const when = scheduleOf(params);
  const text = messageText(request);
  const priority = parseNtfyPriority(params.priority);
  const allTags = splitTags(params.tags);
  const { emoji, tags } = sortTags(allTags);
  const { buttons, views } = buttonsOf(params, request.actions);
  const markdown = isNtfyTrue(params.markdown) || request.markdownType === true;
  const message: PeerMessage = { to: request.to, text, format: request.rendered?.format ?? (markdown ? "markdown" : "text"), urgency: urgencyOf(priority), emoji, tags, buttons };
  if (params.title !== undefined) message.title = checkValue("title", NotifyRequest.properties.title, params.title);
  if (when) message.when = when;
  const echo: NtfyEcho = { message: text };
  if (message.title !== undefined) echo.title = message.title;
  if (priority > 0) echo.priority = priority;
  if (allTags.length > 0) echo.tags = allTags;
  if (params.click !== undefined) echo.click = params.click;
  if (views.length > 0) echo.actions = views.map(({ text, url }) => ({ action: "view", label: text, url, clear: false }));
  if (markdown) echo.content_type = "text/markdown";
  return { message, echo, warnings: ignoredFields(params) };
}

/** The body, else ntfy's Message parameter (with its "\n" escapes), else "triggered". */
function messageText(request: NtfyRequest): string {
  if (request.rendered) return request.rendered.text;
  if (request.file !== undefined) return request.params.message?.replaceAll("\\n", "\n").trim() ?? "";
  const body = request.message?.trim() ?? "";
  if (body !== "") return body;
  const param = request.params.message?.replaceAll("\\n", "\n").trim() ?? "";
  return param !== "" ? param : EMPTY_MESSAGE;
}

/**
 * ntfy's Delay/At/In as tgsignal's scheduled delivery (delivery/when.ts): a duration
 * ("30m", "2h", "30min", "2 days") is a delay; anything else a time: a Unix time in
 * seconds, RFC 3339, or "HH:MM" in the bot's timezone. ntfy's natural language ("tomorrow,
 * 10am") is refused with the accepted forms (400 bad_at).
 */
export function scheduleOf(params: NtfyParams): When | undefined {
  const value = params.delay?.trim();
  if (value === undefined || value === "") return undefined;
  const duration = NTFY_DURATION.exec(value.toLowerCase());
  if (duration) return readWhen({ delay: `${duration[1]}${duration[2]![0]}` });
  return readWhen({ at: value });
}

/** ntfy's duration spellings (util.ParseFutureTime): a number and a unit, words allowed. */
const NTFY_DURATION = /^(\d{1,9})\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)$/;

/**
 * ntfy's Attach: a file by URL, which ntfy's server downloads. tgsignal fetches no URLs
 * for callers (a gateway inside a network must not be made to reach into it), so it is a
 * clear refusal; `Filename` with a body is a file (ntfy-routes.ts). In JSON, `filename`
 * only names the `attach` URL's file.
 */
export function checkAttachment(params: NtfyParams, json = false): void {
  const field = params.attach !== undefined ? "Attach" : json && params.filename !== undefined ? "filename" : undefined;
  if (field === undefined) return;
  throw httpError("unsupported_feature", `${field}: tgsignal does not fetch files by URL; send the file as the body with a Filename header (PUT /{name}), or a link in the text`);
}

/** ntfy's priorities (util.ParsePriority): 1–5 and their names; blank is "not given" (0). */
export function parseNtfyPriority(value: string | undefined): number {
  const text = value?.trim().toLowerCase() ?? "";
  const named: Record<string, number> = { "": 0, "1": 1, min: 1, "2": 2, low: 2, "3": 3, default: 3, "4": 4, high: 4, "5": 5, max: 5, urgent: 5 };
  if (Object.hasOwn(named, text)) return named[text]!;
  // RFC 9218's Priority header ("u=1, i"), which proxies and browsers add: ntfy ignores it too.
  if (text.startsWith("u=")) return 3;
  throw httpError("bad_priority", `priority: ${JSON.stringify(value)} is not an ntfy priority; use 1–5, or min, low, default, high, max (urgent)`);
}

/** 1–2 arrive without sound; 4 and 5 carry an urgent mark; 3 (or none) is plain. */
export function urgencyOf(priority: number): Urgency {
  return priority === 1 || priority === 2 ? "silent" : priority === 4 ? "high" : priority === 5 ? "max" : "normal";
}

/**
 * Emoji short codes apart from the other tags. Each tag shows at least one character, so
 * more tags than MAX_PARTS messages hold could never be sent: refused before they are
 * looked at (a megabyte of tags is 170,000).
 */
function sortTags(all: string[]): { emoji: string[]; tags: string[] } {
  if (all.length > RENDER_LIMITS.maxVisible) throw textTooLong(`more than ${MAX_PARTS}`, ` (${all.length} tags, each shown)`);
  const emoji: string[] = [];
  const tags: string[] = [];
  for (const tag of all) {
    const found = NTFY_EMOJI.get(tag);
    if (found !== undefined) emoji.push(found);
    else tags.push(tag);
  }
  return { emoji, tags };
}

/** A row of view actions, then the Click link in a row of its own. */
function buttonsOf(params: NtfyParams, actions: unknown[] | undefined): { buttons: Button[][]; views: Array<{ text: string; url: string }> } {
  const source = actions ?? params.actions;
  const views = source === undefined ? [] : (readNtfyActions(source) as Array<{ text: string; url: string }>);
  const buttons: Button[][] = views.length > 0 ? [views] : [];
  if (params.click !== undefined) buttons.push([linkButton(clickLabel(params.click), params.click, "Click", "bad_buttons")]);
  return { buttons, views };
}

const IGNORED: Array<[keyof NtfyParams, string]> = [
  ["email", "Email ignored: tgsignal delivers to Telegram only"],
  ["call", "Call ignored: tgsignal makes no phone calls"],
  ["icon", "Icon ignored: a Telegram message has no notification icon"],
];

function ignoredFields(params: NtfyParams): string[] {
  return IGNORED.filter(([field]) => params[field] !== undefined).map(([, warning]) => warning);
}
