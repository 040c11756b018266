// POST /notify, POST /notify/{to}, GET /messages/{id}.
// Order matters: authenticate, read the body within the limit, validate every field and
// resolve every recipient, and only then append to the outbox and deliver.
import type { ConfigStore } from "../config/store.ts";
import { RequestError } from "../lib/errors.ts";
import { describeNotification, statusCodeOf, type Notifier } from "../delivery/notifier.ts";
import type { Outbox } from "../delivery/outbox.ts";
import type { NotificationState } from "../delivery/types.ts";
import type { Authenticator } from "./auth.ts";
import { parseBody, queryFields, readBodyLimited, type Fields } from "./body.ts";
import { checkKnownFields, MAX_WAIT_SECONDS, mergeFields, NOTIFY_FIELDS, parseNotifyFields } from "./notify-input.ts";
import type { RequestContext, Router } from "./router.ts";
import { didYouMean } from "../lib/did-you-mean.ts";
import { isTemplateName, renderTemplate, TEMPLATE_NAMES } from "../templates/webhooks.ts";

export interface NotifyRoutesOptions {
  router: Router;
  store: ConfigStore;
  notifier: Notifier;
  outbox: Outbox;
  auth: Authenticator;
  /** Aborted on shutdown: waiting requests answer at once with what they have. */
  draining: AbortSignal;
}

const MAX_IDEMPOTENCY_KEY = 255;

export function addNotifyRoutes(options: NotifyRoutesOptions): void {
  const { router } = options;
  router.add("POST", "/notify", (req, ctx) => handleNotify(options, req, ctx, undefined));
  router.add("POST", "/notify/:to", (req, ctx) => handleNotify(options, req, ctx, ctx.params.to));
  router.add("GET", "/messages/:id", (req, ctx) => handleStatus(options, req, ctx));
}

async function handleNotify(options: NotifyRoutesOptions, req: Request, ctx: RequestContext, to: string | undefined): Promise<Response> {
  const config = options.store.current;
  const caller = options.auth.authenticate(req, ctx.remoteAddr, config);
  options.auth.charge(caller, config);
  const fields = await readFields(req, ctx, config.bodyLimit, to);
  const { input, wait } = parseNotifyFields(fields);
  const idempotencyKey = readIdempotencyKey(req);
  const { state, replayed } = await options.notifier.submit(input, caller, idempotencyKey);
  await options.notifier.waitSettled(state, wait * 1000, options.draining);
  return notificationResponse(state, replayed ? { "Idempotent-Replayed": "true" } : {});
}

async function readFields(req: Request, ctx: RequestContext, limit: number, to: string | undefined): Promise<Fields> {
  if (ctx.url.searchParams.has("template")) return readTemplateFields(req, ctx, limit, to);
  const bytes = await readBodyLimited(req, limit);
  let { kind, fields } = await parseBody(req, bytes, to === undefined ? undefined : "text");
  // `curl -d "disk full" .../notify/ops` sends the text as a form body; take it as the text.
  if (to !== undefined && kind === "form" && !Object.keys(fields).every((name) => (NOTIFY_FIELDS as readonly string[]).includes(name)))
    fields = { text: new TextDecoder().decode(bytes) };
  else checkKnownFields(fields, "body");
  const query = queryFields(ctx.url);
  checkKnownFields(query, "query string");
  const sources: Array<[string, Fields]> = [["query string", query], ["body", fields]];
  if (to !== undefined) {
    if ("to" in fields || "to" in query) throw new RequestError("duplicate_field", `the recipients are in the path (/notify/${to}); do not also give "to"`, 400);
    sources.unshift(["path", { to }]);
  }
  return mergeFields(sources);
}

/**
 * `?template=alertmanager|grafana`: the body is that tool's webhook JSON, rendered to HTML.
 * Other fields (title, silent, bot, topic, wait) may come in the query string.
 */
async function readTemplateFields(req: Request, ctx: RequestContext, limit: number, to: string | undefined): Promise<Fields> {
  const name = ctx.url.searchParams.get("template") ?? "";
  if (!isTemplateName(name))
    throw new RequestError("bad_template", `unknown template "${name}"; use ${TEMPLATE_NAMES.join(" or ")}${didYouMean(name, TEMPLATE_NAMES)}`, 400);
  const query = queryFields(ctx.url);
  delete query.template;
  checkKnownFields(query, "query string");
  const bytes = await readBodyLimited(req, limit);
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new RequestError("bad_body", `template=${name} expects the webhook's JSON body; it is not valid JSON`, 400);
  }
  let rendered;
  try {
    rendered = renderTemplate(name, payload);
  } catch (error) {
    throw new RequestError("bad_body", `template=${name}: ${error instanceof Error ? error.message : String(error)}`, 400);
  }
  const sources: Array<[string, Fields]> = [["query string", query], ["template", { text: rendered.text, format: rendered.format }]];
  if (to !== undefined) sources.unshift(["path", { to }]);
  return mergeFields(sources);
}

function readIdempotencyKey(req: Request): string | undefined {
  const key = req.headers.get("idempotency-key")?.trim();
  if (key === undefined || key === "") return undefined;
  if (key.length > MAX_IDEMPOTENCY_KEY || !/^[\x21-\x7e]+$/.test(key))
    throw new RequestError("bad_idempotency_key", `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} printable ASCII characters without spaces, e.g. a UUID`, 400);
  return key;
}

async function handleStatus(options: NotifyRoutesOptions, req: Request, ctx: RequestContext): Promise<Response> {
  const config = options.store.current;
  const caller = options.auth.authenticate(req, ctx.remoteAddr, config);
  const state = options.outbox.get(ctx.params.id ?? "");
  // Clients see only their own notifications; another client's id looks unknown.
  if (!state || state.client !== caller.id)
    throw new RequestError("not_found", `no notification "${ctx.params.id}"; ids are kept for 24 h after delivery`, 404);
  const wait = ctx.url.searchParams.get("wait");
  if (wait !== null) {
    const seconds = Number(wait);
    if (!/^\d+(\.\d+)?$/.test(wait) || seconds > MAX_WAIT_SECONDS)
      throw new RequestError("bad_wait", `wait must be seconds from 0 to ${MAX_WAIT_SECONDS}`, 400);
    await options.notifier.waitSettled(state, seconds * 1000, options.draining);
  }
  return Response.json(describeNotification(state), { status: 200 });
}

function notificationResponse(state: NotificationState, headers: Record<string, string>): Response {
  return Response.json(describeNotification(state), {
    status: statusCodeOf(state),
    headers: { Location: `/messages/${state.id}`, ...headers },
  });
}
