// POST /notify, POST /notify/{to}, the notify request they share with `tgsignal send`, and
// the notification's JSON (also GET /messages/{id}'s, in messages.ts).
// Order matters: authenticate, read the body within the limit, validate every field and
// resolve every recipient, and only then append to the outbox and deliver.
import type { ConfigStore } from "../config/store.ts";
import type { Notifier, NotifyInput } from "../delivery/notifier.ts";
import { isScheduled, notificationStatus, operationStatus, type NotificationState, type NotificationStatus, type OperationTarget, type RecipientState } from "../delivery/types.ts";
import { readWhen } from "../delivery/when.ts";
import type { Clock } from "../lib/clock.ts";
import { errorMessage } from "../lib/errors.ts";
import { renderTemplate } from "../templates/webhooks.ts";
import type { Authenticator } from "./auth.ts";
import { decodeUtf8, parseBody, queryFields, readBodyLimited, type Fields } from "./body.ts";
import { readButtons } from "./buttons.ts";
import { httpError } from "./errors.ts";
import { checkFields, checkKnownFields, checkValue, mergeFields, normalizeFields } from "./fields.ts";
import type { RequestContext, Router } from "./router.ts";
import { DEFAULT_FORMAT, DEFAULT_WAIT_SECONDS, IdempotencyKey, NotifyRequest, TemplateName } from "./schemas.ts";

export interface NotifyRoutesOptions {
  router: Router;
  store: ConfigStore;
  notifier: Notifier;
  auth: Authenticator;
  clock: Clock;
  /** Aborted on shutdown: waiting requests answer at once with what they have. */
  draining: AbortSignal;
}

export function addNotifyRoutes(options: NotifyRoutesOptions): void {
  const { router } = options;
  router.add("POST", "/notify", (req, ctx) => handleNotify(options, req, ctx, undefined));
  router.add("POST", "/notify/:to", (req, ctx) => handleNotify(options, req, ctx, ctx.params.to));
}

async function handleNotify(options: NotifyRoutesOptions, req: Request, ctx: RequestContext, to: string | undefined): Promise<Response> {
  const config = options.store.current;
  const caller = options.auth.authenticate(req, ctx, config);
  options.auth.charge(caller, config);
  const fields = await readFields(req, ctx, config.bodyLimit, to);
  const { input, wait } = parseNotifyFields(fields);
  const idempotencyKey = readIdempotencyKey(req);
  const { state, replayed } = await options.notifier.submit(input, caller, idempotencyKey);
  await options.notifier.waitSettled(state, wait * 1000, options.draining);
  return notificationResponse(state, options.clock.now(), replayed ? { "Idempotent-Replayed": "true" } : {});
}

export interface ParsedNotify {
  input: NotifyInput;
  /** Seconds to wait for delivery before answering. */
  wait: number;
}

/**
 * The request, from whatever fields it came in, as the notifier's input: normalised and
 * checked against NotifyRequest. `tgsignal send` comes through here too, so the routes and
 * the CLI accept and refuse the same things.
 */
export function parseNotifyFields(fields: Fields): ParsedNotify {
  const { buttons: json, button: lines, ...rest } = normalizeFields(NotifyRequest, fields);
  // A JSON caller may give an event id as a number.
  if (typeof rest.reply_to === "number" && Number.isSafeInteger(rest.reply_to)) rest.reply_to = String(rest.reply_to);
  const request = checkFields(NotifyRequest, rest);
  const buttons = readButtons(json, lines);
  if (request.reply_to !== undefined && request.to !== undefined)
    throw httpError("duplicate_field", 'give "reply_to" or "to", not both: a reply goes to the chat the event came from');
  const to = request.reply_to === undefined ? splitNames(request.to ?? []) : [];
  const input: NotifyInput = { to, text: request.text, format: request.format ?? DEFAULT_FORMAT, silent: request.silent ?? false };
  if (request.title !== undefined) input.title = request.title;
  if (request.bot !== undefined) input.bot = request.bot;
  if (request.topic !== undefined) input.topic = request.topic;
  if (buttons !== undefined && buttons.length > 0) input.buttons = buttons;
  if (request.keep_buttons) input.keepButtons = true;
  if (request.reply_to !== undefined) input.replyTo = request.reply_to;
  const when = readWhen({ ...(request.at !== undefined && { at: request.at }), ...(request.delay !== undefined && { delay: request.delay }) });
  if (when) input.when = when;
  return { input, wait: request.wait ?? DEFAULT_WAIT_SECONDS };
}

/** "a,b" and ["a", "ops,b"] alike: trimmed, in first-seen order, each once. */
export function splitNames(to: string | string[]): string[] {
  const names = new Set<string>();
  const add = (name: string) => {
    const trimmed = name.trim();
    if (trimmed !== "") names.add(trimmed);
  };
  for (const item of Array.isArray(to) ? to : [to]) {
    if (item.includes(",")) item.split(",").forEach(add);
    else add(item);
  }
  if (names.size === 0) throw httpError("missing_recipient");
  return [...names];
}

async function readFields(req: Request, ctx: RequestContext, limit: number, to: string | undefined): Promise<Fields> {
  if (ctx.url.searchParams.has("template")) return readTemplateFields(req, ctx, limit, to);
  const bytes = await readBodyLimited(req, limit);
  let { kind, fields } = await parseBody(req, bytes, to === undefined ? undefined : "text");
  // `curl -d "disk full" .../notify/ops` sends the text as a form body; take it as the text.
  if (to !== undefined && kind === "form" && !Object.keys(fields).every((name) => Object.hasOwn(NotifyRequest.properties, name)))
    fields = { text: new TextDecoder().decode(bytes) };
  else checkKnownFields(NotifyRequest, fields, "body");
  const query = queryFields(ctx.url);
  checkKnownFields(NotifyRequest, query, "query string");
  const sources: Array<[string, Fields]> = [["query string", query], ["body", fields]];
  if (to !== undefined) {
    if ("to" in fields || "to" in query) throw httpError("duplicate_field", `the recipients are in the path (/notify/${to}); do not also give "to"`);
    sources.unshift(["path", { to }]);
  }
  return mergeFields(sources);
}

/**
 * `?template=alertmanager|grafana`: the body is that tool's webhook JSON, rendered to HTML.
 * Other fields (title, silent, bot, topic, wait) may come in the query string.
 */
async function readTemplateFields(req: Request, ctx: RequestContext, limit: number, to: string | undefined): Promise<Fields> {
  const query = queryFields(ctx.url);
  const name = checkValue("template", TemplateName, query.template);
  delete query.template;
  checkKnownFields(NotifyRequest, query, "query string");
  const bytes = await readBodyLimited(req, limit);
  let rendered;
  try {
    rendered = renderTemplate(name, JSON.parse(decodeUtf8(bytes)));
  } catch (error) {
    const problem = error instanceof SyntaxError ? "the body is not valid JSON; send the webhook's own JSON" : errorMessage(error);
    throw httpError("bad_body", `template=${name}: ${problem}`);
  }
  const sources: Array<[string, Fields]> = [["query string", query], ["template", { text: rendered.text, format: rendered.format }]];
  if (to !== undefined) sources.unshift(["path", { to }]);
  return mergeFields(sources);
}

export function readIdempotencyKey(req: Request): string | undefined {
  const key = req.headers.get("idempotency-key")?.trim();
  return key === undefined || key === "" ? undefined : checkValue("Idempotency-Key", IdempotencyKey, key);
}

/** The answer follows the delivery outcome; `tgsignal send` reads the same outcome for its exit code. */
const STATUS_OF_OUTCOME: Record<NotificationStatus, number> = { delivered: 200, queued: 202, scheduled: 202, failed: 424, cancelled: 200 };

function notificationResponse(state: NotificationState, now: number, headers: Record<string, string>): Response {
  return Response.json(describeNotification(state, now), {
    status: STATUS_OF_OUTCOME[notificationStatus(state, now)],
    headers: { Location: `/messages/${state.id}`, ...headers },
  });
}

/**
 * The JSON body for a notification (NotificationSchema): per recipient status, message ids,
 * reasons; its edits and deletion. `now` tells a scheduled notification still waiting.
 */
export function describeNotification(state: NotificationState, now: number): Record<string, unknown> {
  const waiting = isScheduled(state, now);
  const out: Record<string, unknown> = {
    id: state.id,
    status: notificationStatus(state, now),
    accepted_at: new Date(state.at).toISOString(),
    ...(state.dueAt !== undefined && { scheduled_for: new Date(state.dueAt).toISOString() }),
    parts: state.partCount,
    recipients: state.recipients.map((recipient) => {
      const status = waiting && recipient.status === "queued" ? "scheduled" : recipient.status;
      const out: Record<string, unknown> = { user: recipient.user, key: recipient.key, bot: recipient.bot, chat_id: recipient.chatId, status };
      if (recipient.status === "delivered" || recipient.messageIds.length > 0) out.message_ids = recipient.messageIds;
      if (recipient.status === "failed") out.error = recipient.reason ?? "failed";
      if (recipient.status === "queued" && recipient.reason) out.last_error = recipient.reason;
      if (recipient.attempts > 0) out.attempts = recipient.attempts;
      if (recipient.warning) out.warning = recipient.warning;
      return out;
    }),
  };
  if (state.replyTo !== undefined) out.reply_to = state.replyTo;
  if (state.buttons) out.buttons = state.buttons;
  if (state.keepButtons) out.keep_buttons = true;
  if (state.ops && state.ops.length > 0)
    out.operations = state.ops.map((op) => ({
      operation: op.kind,
      status: operationStatus(op),
      at: new Date(op.at).toISOString(),
      recipients: state.recipients.map((recipient, index) => describeTarget(recipient, op.targets[index]!)),
    }));
  return out;
}

/** One recipient's side of an edit or deletion. */
export function describeTarget(recipient: RecipientState, target: OperationTarget): Record<string, unknown> {
  const out: Record<string, unknown> = { user: recipient.user, key: recipient.key, bot: recipient.bot, chat_id: recipient.chatId, status: target.status };
  if (recipient.messageIds.length > 0) out.message_ids = recipient.messageIds;
  if (target.status === "failed") out.error = target.reason ?? "failed";
  if (target.status === "skipped" && target.reason) out.reason = target.reason;
  if (target.status === "queued" && target.reason) out.last_error = target.reason;
  if (target.attempts > 0) out.attempts = target.attempts;
  if (target.warning) out.warning = target.warning;
  return out;
}
