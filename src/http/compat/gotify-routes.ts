// Gotify publishing (gotify/server api/message.go CreateMessage), as its clients send it:
//   POST /message  JSON or form {message, title, priority}; JSON may carry extras
// with the application token in ?token=, X-Gotify-Key or Authorization: Bearer (in that
// order, as Gotify looks). Gotify's message names no recipient: the client's `to` in the
// config does. Markdown: extras["client::display"].contentType = "text/markdown"; a link:
// extras["client::notification"].click.url. The answer is Gotify's message JSON, 200,
// once the notification is durably accepted; errors come in Gotify's shape.
import type { Config } from "../../config/types.ts";
import type { Caller } from "../../delivery/notifier.ts";
import type { NotificationState } from "../../delivery/types.ts";
import { showValue } from "../../lib/schema-messages.ts";
import type { Authenticator } from "../auth.ts";
import { decodeUtf8, parseBody, parseJsonObject, queryFields, readBodyLimited, type Fields } from "../body.ts";
import { httpError } from "../errors.ts";
import { checkValue } from "../fields.ts";
import { readIdempotencyKey } from "../notify.ts";
import type { RequestContext } from "../router.ts";
import { NotifyRequest } from "../schemas.ts";
import type { CompatRoutesOptions } from "./compat-options.ts";
import { peerRoute } from "./peer-errors.ts";
import { clickLabel, linkButton, toNotifyInput, type PeerMessage, type Urgency } from "./peer-message.ts";

/** Gotify's "normal" priority, taken when a message gives none (Gotify takes its application's default). */
export const GOTIFY_DEFAULT_PRIORITY = 5;

export function addGotifyRoutes(options: CompatRoutesOptions): void {
  options.router.add("POST", "/message", peerRoute("gotify", options.log, (req, ctx) => createMessage(options, req, ctx)));
}

interface GotifyMessage {
  message: string;
  title?: string;
  priority?: number;
  extras?: Record<string, unknown>;
}

async function createMessage(options: CompatRoutesOptions, req: Request, ctx: RequestContext): Promise<Response> {
  const config = options.store.current;
  const caller = authenticateGotify(options.auth, req, ctx, config);
  options.auth.charge(caller, config);
  const to = recipientsOf(config, caller);
  const fields = await readGotifyFields(req, ctx, config.bodyLimit);
  const message = checkGotifyMessage(fields);
  const peer = toPeerMessage(message, to, caller.id);
  const { state, replayed } = await options.notifier.submit(await toNotifyInput(peer), caller, readIdempotencyKey(req));
  const headers: Record<string, string> = { Location: `/messages/${state.id}` };
  if (replayed) headers["Idempotent-Replayed"] = "true";
  return Response.json(gotifyAnswer(state, config, caller, { ...message, title: peer.title ?? caller.id }), { status: 200, headers });
}

const MISSING_TOKEN = 'missing token; send the client token as ?token=, "X-Gotify-Key: <client token>" or "Authorization: Bearer <client token>"';

export function authenticateGotify(auth: Authenticator, req: Request, ctx: RequestContext, config: Config): Caller {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "")?.[1];
  const token = ctx.url.searchParams.get("token") || req.headers.get("x-gotify-key")?.trim() || bearer;
  return auth.authenticateToken(token, req, ctx, config, MISSING_TOKEN);
}

/** The client's `to`: Gotify has no recipient field, so the config says where its messages go. */
function recipientsOf(config: Config, caller: Caller): string[] {
  const to = config.clients.get(caller.id)?.to;
  if (to && to.length > 0) return [...to];
  const who = config.clients.has(caller.id) ? `client "${caller.id}" has no "to" in the config` : "no clients are configured, so none has a \"to\"";
  throw httpError("no_recipients", `a Gotify message names no recipient and ${who}; add clients.<id>.to: [users or groups its messages go to]`);
}

/** JSON, or a form (urlencoded or multipart) with the query string, as Gotify's binding reads them. */
async function readGotifyFields(req: Request, ctx: RequestContext, limit: number): Promise<Fields> {
  const bytes = await readBodyLimited(req, limit);
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const looksJson = type === "application/json" || type.endsWith("+json") || ((type === "" || type === "text/plain") && startsWithBrace(bytes));
  if (looksJson) return parseJsonObject(decodeUtf8(bytes), '{"title":"Backup","message":"Backup done","priority":5}');
  const { fields } = await parseBody(req, bytes);
  const { token: _token, ...query } = queryFields(ctx.url);
  // A form's own fields come first, then the query string's (Go's Request.Form order).
  return { ...query, ...fields };
}

/** Some senders leave out Content-Type (or say text/plain) for a JSON body: a "{" first says JSON. */
function startsWithBrace(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte === 0x7b) return true;
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
  }
  return false;
}

function checkGotifyMessage(fields: Fields): GotifyMessage {
  const text = first(fields.message);
  if (text === undefined || text === null || (typeof text === "string" && text.trim() === ""))
    throw httpError("empty_text", 'Gotify\'s "message" is required: give the text of the message');
  if (typeof text !== "string") throw httpError("bad_text", `message: expected a string, got ${showValue(text)}`);
  const message: GotifyMessage = { message: text };
  const title = first(fields.title);
  if (title !== undefined && title !== null && title !== "") message.title = checkValue("title", NotifyRequest.properties.title, title);
  const priority = first(fields.priority);
  if (priority !== undefined && priority !== null && priority !== "") message.priority = parsePriority(priority);
  if (fields.extras !== undefined && fields.extras !== null) {
    if (typeof fields.extras !== "object" || Array.isArray(fields.extras)) throw httpError("bad_field", `extras: expected an object, got ${showValue(fields.extras)}`);
    message.extras = fields.extras as Record<string, unknown>;
  }
  return message;
}

/** A repeated form field counts once (Gotify's binding takes the first). */
function first(value: unknown): unknown {
  return Array.isArray(value) && value.every((item) => typeof item === "string") ? value[0] : value;
}

function parsePriority(value: unknown): number {
  const number = typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number === "number" && Number.isSafeInteger(number)) return number;
  throw httpError("bad_priority", `priority: expected a whole number (0 silent, 8 and above urgent), got ${showValue(value)}`);
}

/** 0 (and below) is silent, 8–9 urgent, 10 and above most urgent; the rest plain. */
export function gotifyUrgency(priority: number): Urgency {
  return priority <= 0 ? "silent" : priority >= 10 ? "max" : priority >= 8 ? "high" : "normal";
}

function toPeerMessage(message: GotifyMessage, to: string[], clientId: string): PeerMessage {
  const display = extra(message.extras, "client::display");
  const markdown = typeof display?.contentType === "string" && display.contentType.toLowerCase() === "text/markdown";
  const click = extra(extra(message.extras, "client::notification"), "click");
  const buttons = typeof click?.url === "string" && click.url !== "" ? [[linkButton(clickLabel(click.url), click.url, 'extras["client::notification"].click.url', "bad_buttons")]] : [];
  // Gotify titles an untitled message with its application's name: here, the client's.
  const title = message.title ?? clientId;
  return { to, text: message.message, format: markdown ? "markdown" : "text", title, urgency: gotifyUrgency(message.priority ?? GOTIFY_DEFAULT_PRIORITY), emoji: [], tags: [], buttons };
}

function extra(extras: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined {
  const value = extras?.[key];
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Gotify's message JSON (model/message.go MessageExternal). Its ids are numbers: `id` is
 * the notification id's 40 random bits, and the id itself (for GET /messages/{id}) is in
 * extras["tgsignal::notification"], beside the extras the message came with.
 */
export function gotifyAnswer(state: NotificationState, config: Config, caller: Caller, message: GotifyMessage & { title: string }): Record<string, unknown> {
  const extras = { ...message.extras, "tgsignal::notification": { id: state.id, status: `/messages/${state.id}` } };
  return {
    id: numericId(state.id),
    appid: [...config.clients.keys()].indexOf(caller.id) + 1,
    message: message.message,
    title: message.title,
    priority: message.priority ?? GOTIFY_DEFAULT_PRIORITY,
    extras,
    date: new Date(state.at).toISOString(),
  };
}

/** The last 10 hex digits of a notification id (delivery/notifier.ts newId) as a number. */
export function numericId(id: string): number {
  const value = Number.parseInt(id.slice(-10), 16);
  return Number.isSafeInteger(value) && value > 0 ? value : 1;
}
