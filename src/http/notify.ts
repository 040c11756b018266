// POST /notify, POST|PUT /notify/{to}, the notify request they share with `tgsignal send`,
// and the notification's JSON (also GET /messages/{id}'s, in messages.ts).
// Order matters: authenticate, read the body within the limit (files go to disk as they
// arrive, uploads.ts), validate every field and resolve every recipient, and only then
// append to the outbox (after the files are durable) and deliver. A refused request lets
// go of the files it stored.
import type { ConfigStore } from "../config/store.ts";
import type { Config } from "../config/types.ts";
import { MAX_FILES, type RequestedKind } from "../delivery/media.ts";
import type { Notifier, NotifyInput } from "../delivery/notifier.ts";
import { nextTurn } from "../lib/next-turn.ts";
import { isScheduled, notificationStatus, operationStatus, type NotificationState, type NotificationStatus, type OperationTarget, type RecipientState } from "../delivery/types.ts";
import { readWhen } from "../delivery/when.ts";
import type { Clock } from "../lib/clock.ts";
import { errorMessage } from "../lib/errors.ts";
import { renderTemplate } from "../templates/webhooks.ts";
import type { Authenticator } from "./auth.ts";
import { decodeUtf8, mediaTypeOf, parseBody, queryFields, readBodyLimited, type Fields } from "./body.ts";
import { readButtons } from "./buttons.ts";
import { httpError } from "./errors.ts";
import { checkFields, checkKnownFields, checkValue, mergeFields, normalizeFields } from "./fields.ts";
import { headerText } from "./header-text.ts";
import type { RequestContext, Router } from "./router.ts";
import { DEFAULT_FORMAT, DEFAULT_WAIT_SECONDS, IdempotencyKey, NotifyRequest, TemplateName } from "./schemas.ts";
import { closingConnection, toNotificationFiles, type Intake, type UploadLimits, type Uploads } from "./uploads.ts";

export interface NotifyRoutesOptions {
  router: Router;
  store: ConfigStore;
  notifier: Notifier;
  auth: Authenticator;
  /** Files with the request (multipart, attachments, a raw body); without, files are refused. */
  uploads?: Uploads;
  clock: Clock;
  /** Aborted on shutdown: waiting requests answer at once with what they have. */
  draining: AbortSignal;
}

export function addNotifyRoutes(options: NotifyRoutesOptions): void {
  const { router } = options;
  router.add("POST", "/notify", (req, ctx) => handleNotify(options, req, ctx, undefined));
  router.add("POST", "/notify/:to", (req, ctx) => handleNotify(options, req, ctx, ctx.params.to));
  // ntfy's PUT: the same request (curl -T file, or 1C's УстановитьТелоИзФайла with a Filename header).
  router.add("PUT", "/notify/:to", (req, ctx) => handleNotify(options, req, ctx, ctx.params.to));
}

async function handleNotify(options: NotifyRoutesOptions, req: Request, ctx: RequestContext, to: string | undefined): Promise<Response> {
  const config = options.store.current;
  const caller = options.auth.authenticate(req, ctx, config);
  options.auth.charge(caller, config);
  // Before the body: a bad key must not cost an upload.
  const idempotencyKey = readIdempotencyKey(req);
  const intake = await readIntake(options, req, ctx, config, to);
  let submitted;
  try {
    const { input, wait, attachments, as } = parseNotifyFields(intake.fields, intake.files.length);
    if (attachments) intake.files.push(...(await uploadsOf(options).decodeAttachments(attachments, limitsOf(config))));
    if (intake.files.length > MAX_FILES) throw httpError("bad_attachments", `${intake.files.length} files; at most ${MAX_FILES} per notification (one album)`);
    if (intake.files.length > 0) input.files = toNotificationFiles(intake.files, as);
    submitted = { ...(await options.notifier.submit(input, caller, idempotencyKey)), wait };
  } finally {
    // Accepted: the outbox holds the files now. Refused or replayed: nothing does.
    options.uploads?.letGo(intake.files);
  }
  const { state, replayed, wait } = submitted;
  await options.notifier.waitSettled(state, wait * 1000, options.draining);
  return notificationResponse(state, options.clock.now(), replayed ? { "Idempotent-Replayed": "true" } : {});
}

export interface ParsedNotify {
  input: NotifyInput;
  /** Seconds to wait for delivery before answering. */
  wait: number;
  /** JSON attachments (checked, still base64). */
  attachments?: Array<{ name: string; data: string; mime?: string }>;
  /** How files go. */
  as: RequestedKind;
}

/**
 * The request, from whatever fields it came in, as the notifier's input: normalised and
 * checked against NotifyRequest. `tgsignal send` comes through here too, so the routes and
 * the CLI accept and refuse the same things.
 */
export function parseNotifyFields(fields: Fields, files = 0): ParsedNotify {
  const { buttons: json, button: lines, ...rest } = normalizeFields(NotifyRequest, fields);
  // A JSON caller may give an event id as a number.
  if (typeof rest.reply_to === "number" && Number.isSafeInteger(rest.reply_to)) rest.reply_to = String(rest.reply_to);
  const request = checkFields(NotifyRequest, rest);
  const buttons = readButtons(json, lines);
  if (request.reply_to !== undefined && request.to !== undefined)
    throw httpError("duplicate_field", 'give "reply_to" or "to", not both: a reply goes to the chat the event came from');
  const to = request.reply_to === undefined ? splitNames(request.to ?? []) : [];
  const attachments = request.attachments && request.attachments.length > 0 ? request.attachments : undefined;
  // A text is what a notification is, unless it carries files (their caption may be empty).
  if (request.text === undefined && files === 0 && !attachments) throw httpError("empty_text");
  const input: NotifyInput = { to, text: request.text ?? "", format: request.format ?? DEFAULT_FORMAT, silent: request.silent ?? false };
  if (request.title !== undefined) input.title = request.title;
  if (request.bot !== undefined) input.bot = request.bot;
  if (request.topic !== undefined) input.topic = request.topic;
  if (buttons !== undefined && buttons.length > 0) input.buttons = buttons;
  if (request.keep_buttons) input.keepButtons = true;
  if (request.reply_to !== undefined) input.replyTo = request.reply_to;
  const when = readWhen({ ...(request.at !== undefined && { at: request.at }), ...(request.delay !== undefined && { delay: request.delay }) });
  if (when) input.when = when;
  return { input, wait: request.wait ?? DEFAULT_WAIT_SECONDS, as: request.as ?? "auto", ...(attachments && { attachments }) };
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

function limitsOf(config: Config): UploadLimits {
  return { bodyLimit: config.bodyLimit, uploadLimit: config.uploadLimit };
}

function uploadsOf(options: NotifyRoutesOptions): Uploads {
  if (!options.uploads) throw httpError("bad_attachments", "this gateway takes no files");
  return options.uploads;
}

/** The request's fields and the files it carried (stored already), whichever way they came. */
async function readIntake(options: NotifyRoutesOptions, req: Request, ctx: RequestContext, config: Config, to: string | undefined): Promise<Intake> {
  if (ctx.url.searchParams.has("template")) return { fields: await readTemplateFields(req, ctx, config.bodyLimit, to), files: [] };
  const filename = filenameOf(req, ctx.url);
  if (filename !== undefined) return readRawFile(options, req, ctx, config, to, filename);
  if (mediaTypeOf(req) === "multipart/form-data") {
    const intake = await uploadsOf(options).readForm(req, limitsOf(config));
    try {
      checkKnownFields(NotifyRequest, intake.fields, "body");
      return { fields: withQueryAndPath(ctx, intake.fields, to), files: intake.files };
    } catch (error) {
      options.uploads?.letGo(intake.files);
      throw error;
    }
  }
  const bytes = await readBodyLimited(req, config.bodyLimit);
  let { kind, fields } = await parseBody(req, bytes, to === undefined ? undefined : "text");
  // `curl -d "disk full" .../notify/ops` sends the text as a form body; take it as the text.
  if (to !== undefined && kind === "form" && !Object.keys(fields).every((name) => Object.hasOwn(NotifyRequest.properties, name)))
    fields = { text: new TextDecoder().decode(bytes) };
  else checkKnownFields(NotifyRequest, fields, "body");
  return { fields: withQueryAndPath(ctx, fields, to), files: [] };
}

function withQueryAndPath(ctx: RequestContext, body: Fields, to: string | undefined): Fields {
  const query = queryFields(ctx.url);
  checkKnownFields(NotifyRequest, query, "query string");
  const sources: Array<[string, Fields]> = [["query string", query], ["body", body]];
  if (to !== undefined) {
    if ("to" in body || "to" in query) throw httpError("duplicate_field", `the recipients are in the path (/notify/${to}); do not also give "to"`);
    sources.unshift(["path", { to }]);
  }
  return mergeFields(sources);
}

/** The `Filename` (or `X-Filename`) header, or ntfy's `?filename=` (easier to URL-encode than a header from some clients). */
function filenameOf(req: Request, url: URL): string | undefined {
  const header = req.headers.get("filename") ?? req.headers.get("x-filename");
  const query = url.searchParams.get("filename");
  if (header !== null && query !== null) throw httpError("duplicate_field", "the file name is given both in the Filename header and in ?filename=; give it once");
  return header !== null ? headerText(header) : (query ?? undefined);
}

/**
 * ntfy's way: the body is the file, `Filename` names it; the text comes from a `Message`
 * header or the `message` (or `text`) query parameter, or is empty.
 */
async function readRawFile(options: NotifyRoutesOptions, req: Request, ctx: RequestContext, config: Config, to: string | undefined, name: string): Promise<Intake> {
  if (to === undefined) throw closingConnection(httpError("bad_field", "a Filename header makes the body a file: send it to PUT or POST /notify/{to} (or use multipart/form-data with /notify)"));
  const query = queryFields(ctx.url);
  const message = req.headers.get("message") ?? req.headers.get("x-message");
  const texts: Array<[string, Fields]> = [];
  if (query.message !== undefined) texts.push(["query string (message)", { text: query.message }]);
  if (message !== null) texts.push(["Message header", { text: headerText(message) }]);
  delete query.message;
  delete query.filename;
  // Checked before the body is read: a mistake here must not cost an upload.
  let fields: Fields;
  try {
    checkKnownFields(NotifyRequest, query, "query string");
    fields = mergeFields([["path", { to }], ["query string", query], ...texts]);
    parseNotifyFields(fields, 1);
  } catch (error) {
    throw closingConnection(error);
  }
  const file = await uploadsOf(options).readRaw(req, name, limitsOf(config));
  return { fields, files: [file] };
}

/** A webhook body past this size is parsed and rendered in two turns of the event loop. */
const PAUSE_AFTER_BYTES = 64 * 1024;

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
    const payload: unknown = JSON.parse(decodeUtf8(bytes));
    // A megabyte of JSON takes ~15 ms to parse and as long to check: other requests go between.
    if (bytes.length > PAUSE_AFTER_BYTES) await nextTurn();
    rendered = renderTemplate(name, payload);
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
      if (state.files) out.files = describeFiles(state, recipient, status);
      return out;
    }),
  };
  if (state.files) out.files = state.files.map((file) => ({ name: file.name, mime: file.mime, size: file.size, sha256: file.hash, as: file.as }));
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

/** Each file's outcome for one recipient: delivered (with its message), else the recipient's (queued, scheduled, failed, cancelled). */
function describeFiles(state: NotificationState, recipient: RecipientState, status: string): Array<Record<string, unknown>> {
  return (state.files ?? []).map((file, index) => {
    const messageId = recipient.fileMessageIds?.[index];
    if (messageId !== undefined) return { name: file.name, status: "delivered", message_id: messageId };
    return { name: file.name, status };
  });
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
