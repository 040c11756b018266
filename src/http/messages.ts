// GET, PATCH and DELETE /messages/{id}: a client's own notification, its status, and
// changes to what every recipient received. PATCH and DELETE answer per recipient like
// /notify: 200 done (edited, deleted, or cancelled before it was sent), 202 something still
// queued (it waits behind the message, or for the rate limiter), 424 Telegram refused it
// for someone (e.g. a message older than 48 h cannot be deleted). Order as in notify.ts:
// authenticate, read and check every field, then record durably, then act.
import type { ConfigStore } from "../config/store.ts";
import type { Notifier } from "../delivery/notifier.ts";
import type { EditInput, MessageOperations, Requested } from "../delivery/operations.ts";
import type { OutboxStore } from "../delivery/outbox.ts";
import type { Clock } from "../lib/clock.ts";
import { operationStatus } from "../delivery/types.ts";
import type { Authenticator } from "./auth.ts";
import { parseBody, queryFields, readBodyLimited, type Fields } from "./body.ts";
import { readButtons } from "./buttons.ts";
import { httpError } from "./errors.ts";
import { checkFields, checkKnownFields, mergeFields, normalizeFields } from "./fields.ts";
import { describeNotification, describeTarget, readIdempotencyKey } from "./notify.ts";
import type { RequestContext, Router } from "./router.ts";
import { DEFAULT_FORMAT, DEFAULT_WAIT_SECONDS, DeleteQuery, EditRequest, StatusQuery } from "./schemas.ts";

export interface MessageRoutesOptions {
  router: Router;
  store: ConfigStore;
  notifier: Notifier;
  operations: MessageOperations;
  outbox: OutboxStore;
  auth: Authenticator;
  clock: Clock;
  /** Aborted on shutdown: waiting requests answer at once with what they have. */
  draining: AbortSignal;
}

export function addMessageRoutes(options: MessageRoutesOptions): void {
  const { router } = options;
  router.add("GET", "/messages/:id", (req, ctx) => handleStatus(options, req, ctx));
  router.add("PATCH", "/messages/:id", (req, ctx) => handleEdit(options, req, ctx));
  router.add("DELETE", "/messages/:id", (req, ctx) => handleDelete(options, req, ctx));
}

async function handleStatus(options: MessageRoutesOptions, req: Request, ctx: RequestContext): Promise<Response> {
  const config = options.store.current;
  const caller = options.auth.authenticate(req, ctx, config);
  const state = options.outbox.get(ctx.params.id ?? "");
  // Clients see only their own notifications; another client's id looks unknown.
  if (!state || state.client !== caller.id)
    throw httpError("not_found", `no notification "${ctx.params.id}"; ids are kept for 24 h after delivery (as long as events for one with buttons)`);
  const { wait } = checkFields(StatusQuery, normalizeFields(StatusQuery, queryFields(ctx.url)));
  if (wait !== undefined) await options.notifier.waitSettled(state, wait * 1000, options.draining);
  return Response.json(describeNotification(state, options.clock.now()), { status: 200 });
}

async function handleEdit(options: MessageRoutesOptions, req: Request, ctx: RequestContext): Promise<Response> {
  const config = options.store.current;
  const caller = options.auth.authenticate(req, ctx, config);
  options.auth.charge(caller, config);
  const { input, wait } = parseEditFields(await readEditFields(req, ctx, config.bodyLimit));
  const idempotencyKey = readIdempotencyKey(req);
  const requested = await options.operations.edit(ctx.params.id ?? "", input, caller, idempotencyKey);
  return operationResponse(options, requested, wait);
}

async function handleDelete(options: MessageRoutesOptions, req: Request, ctx: RequestContext): Promise<Response> {
  const config = options.store.current;
  const caller = options.auth.authenticate(req, ctx, config);
  options.auth.charge(caller, config);
  const query = queryFields(ctx.url);
  checkKnownFields(DeleteQuery, query, "query string");
  const { wait } = checkFields(DeleteQuery, normalizeFields(DeleteQuery, query));
  // DELETE is idempotent by itself (a second one answers with the first); the key is checked, not needed.
  readIdempotencyKey(req);
  const requested = await options.operations.remove(ctx.params.id ?? "", caller);
  return operationResponse(options, requested, wait ?? DEFAULT_WAIT_SECONDS);
}

async function readEditFields(req: Request, ctx: RequestContext, limit: number): Promise<Fields> {
  const { fields } = await parseBody(req, await readBodyLimited(req, limit));
  checkKnownFields(EditRequest, fields, "body");
  const query = queryFields(ctx.url);
  checkKnownFields(EditRequest, query, "query string");
  return mergeFields([
    ["query string", query],
    ["body", fields],
  ]);
}

export interface ParsedEdit {
  input: EditInput;
  wait: number;
}

/** PATCH's fields as the edit: what changes (text and its format and title, and/or buttons). */
export function parseEditFields(fields: Fields): ParsedEdit {
  // A blank text is a mistake here, not "leave the text alone" (normalizing would drop it).
  if (typeof fields.text === "string" && fields.text.trim() === "") throw httpError("empty_text", "text is empty; give the new text, or leave the field out to change only the buttons");
  const { buttons: json, button: lines, ...rest } = normalizeFields(EditRequest, fields);
  const request = checkFields(EditRequest, rest);
  const buttons = readButtons(json, lines);
  if (request.text === undefined && (request.format !== undefined || request.title !== undefined))
    throw httpError("bad_edit", 'format and title apply to a new text; give "text" as well');
  if (request.text === undefined && buttons === undefined) throw httpError("bad_edit", 'nothing to change: give "text" and/or "buttons" ([] removes them)');
  const input: EditInput = { format: request.format ?? DEFAULT_FORMAT };
  if (request.text !== undefined) input.text = request.text;
  if (request.title !== undefined) input.title = request.title;
  if (buttons !== undefined) input.buttons = buttons;
  return { input, wait: request.wait ?? DEFAULT_WAIT_SECONDS };
}

/** 200 done, 202 still queued, 424 refused for someone; the body says per recipient. */
const STATUS_OF_OPERATION = { done: 200, queued: 202, failed: 424 } as const;

async function operationResponse(options: MessageRoutesOptions, requested: Requested, wait: number): Promise<Response> {
  const { state, op, replayed } = requested;
  await options.operations.waitDone(state, op, wait * 1000, options.draining);
  const body = {
    id: state.id,
    operation: op.kind,
    status: operationStatus(op),
    at: new Date(op.at).toISOString(),
    recipients: state.recipients.map((recipient, index) => describeTarget(recipient, op.targets[index]!)),
  };
  const headers: Record<string, string> = { Location: `/messages/${state.id}` };
  if (replayed) headers["Idempotent-Replayed"] = "true";
  return Response.json(body, { status: STATUS_OF_OPERATION[body.status], headers });
}
