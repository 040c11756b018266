// ntfy publishing (docs.ntfy.sh/publish), as its clients send it:
//   POST|PUT /{name}   the body is the message; parameters in headers or the query string
//   POST|PUT /         JSON {"topic": name, "message", "title", "priority", "tags", ...}
// {name} is a user or group from the config ("a,b" for several, as /notify/{to}). Auth:
// Bearer, Basic with the client token as password (any user name), or ntfy's ?auth=.
// The answer is ntfy's message JSON, 200, once the notification is durably accepted;
// status stays at GET /messages/{id}. Errors come in ntfy's shape (peer-errors.ts).
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import type { Config } from "../../config/types.ts";
import type { Caller } from "../../delivery/notifier.ts";
import type { NotificationFile, NotificationState } from "../../delivery/types.ts";
import { errorMessage } from "../../lib/errors.ts";
import { renderTemplate, TEMPLATE_NAMES, type RenderedTemplate, type TemplateName } from "../../templates/webhooks.ts";
import type { Authenticator } from "../auth.ts";
import { decodeUtf8, parseJsonObject, readBodyLimited } from "../body.ts";
import { httpError } from "../errors.ts";
import { readIdempotencyKey, splitNames } from "../notify.ts";
import { toNotificationFiles } from "../uploads.ts";
import type { RequestContext } from "../router.ts";
import type { CompatRoutesOptions } from "./compat-options.ts";
import { readJsonPublish } from "./ntfy-json.ts";
import { checkAttachment, mapNtfy, type MappedNtfy, type NtfyEcho, type NtfyRequest } from "./ntfy-publish.ts";
import { isNtfyTrue, readNtfyParams } from "./ntfy-params.ts";
import { peerRoute } from "./peer-errors.ts";
import { toNotifyInput } from "./peer-message.ts";

/** How long ntfy's answer says the message is kept: tgsignal keeps status 24 h after delivery. */
const KEPT_SECONDS = 86_400;

export function addNtfyRoutes(options: CompatRoutesOptions): void {
  const { router, log } = options;
  const json = peerRoute("ntfy", log, (req, ctx) => publishJson(options, req, ctx));
  const topic = peerRoute("ntfy", log, (req, ctx) => publishTopic(options, req, ctx));
  for (const method of ["POST", "PUT"]) {
    router.add(method, "/", json);
    // A fallback: /notify, /healthz and the other routes keep their own answers (405, 404).
    router.add(method, "/:name", topic, { fallback: true });
  }
}

async function publishTopic(options: CompatRoutesOptions, req: Request, ctx: RequestContext): Promise<Response> {
  const config = options.store.current;
  const caller = authenticateNtfy(options.auth, req, ctx, config);
  options.auth.charge(caller, config);
  const params = readNtfyParams(req, ctx.url);
  const name = ctx.params.name ?? "";
  const request: NtfyRequest = { topic: name, to: splitNames(name), params, markdownType: isMarkdownType(req) };
  if (params.filename !== undefined && params.template === undefined) return publishFile(options, req, caller, { ...request, file: params.filename });
  const bytes = await readBodyLimited(req, config.bodyLimit);
  if (params.template !== undefined) request.rendered = renderNtfyTemplate(params.template, bytes);
  else {
    checkAttachment(params);
    request.message = bodyText(bytes);
  }
  return publish(options, req, caller, request);
}

async function publishJson(options: CompatRoutesOptions, req: Request, ctx: RequestContext): Promise<Response> {
  const config = options.store.current;
  const caller = authenticateNtfy(options.auth, req, ctx, config);
  options.auth.charge(caller, config);
  const params = readNtfyParams(req, ctx.url);
  const fields = parseJsonObject(decodeUtf8(await readBodyLimited(req, config.bodyLimit)), '{"topic":"ops","message":"Backup done"}');
  const request = readJsonPublish(fields, params);
  checkAttachment(request.params, true);
  return publish(options, req, caller, request);
}

/**
 * ntfy's `curl -T flower.jpg -H "Filename: flower.jpg" $G/ops`: the body is the file,
 * streamed to data_dir/files as /notify's raw bodies are (upload_limit, 413 before the
 * rest is read). Everything else is checked before the upload, so a mistake costs none.
 */
async function publishFile(options: CompatRoutesOptions, req: Request, caller: Caller, request: NtfyRequest & { file: string }): Promise<Response> {
  checkAttachment(request.params);
  const mapped = mapNtfy(request);
  if (!options.uploads) throw httpError("unsupported_feature", "Filename: this gateway takes no files");
  const config = options.store.current;
  const file = await options.uploads.readRaw(req, request.file, { bodyLimit: config.bodyLimit, uploadLimit: config.uploadLimit });
  try {
    return await publish(options, req, caller, request, { mapped, files: toNotificationFiles([file], "auto") });
  } finally {
    // Accepted: the outbox holds the file now. Refused or replayed: nothing does.
    options.uploads.letGo([file]);
  }
}

async function publish(options: CompatRoutesOptions, req: Request, caller: Caller, request: NtfyRequest, withFile?: { mapped: MappedNtfy; files: NotificationFile[] }): Promise<Response> {
  const { message, echo, warnings } = withFile?.mapped ?? mapNtfy(request);
  const input = await toNotifyInput(message);
  if (withFile) input.files = withFile.files;
  const { state, replayed } = await options.notifier.submit(input, caller, readIdempotencyKey(req));
  const headers: Record<string, string> = { Location: `/messages/${state.id}` };
  if (warnings.length > 0) headers["X-Tgsignal-Warning"] = warnings.join("; ");
  if (replayed) headers["Idempotent-Replayed"] = "true";
  return Response.json(ntfyAnswer(state, request.topic, echo), { status: 200, headers });
}

/** ntfy's message JSON (server/types.go), in its field order. */
export function ntfyAnswer(state: NotificationState, topic: string, echo: NtfyEcho): Record<string, unknown> {
  const time = Math.floor(state.at / 1000);
  const { title, message, priority, tags, click, actions, content_type } = echo;
  return {
    id: state.id,
    time,
    expires: time + KEPT_SECONDS,
    event: "message",
    topic,
    ...(title !== undefined && { title }),
    message,
    ...(priority !== undefined && { priority }),
    ...(tags !== undefined && { tags }),
    ...(click !== undefined && { click }),
    ...(actions !== undefined && { actions: actions.map((action) => ({ id: randomBytes(5).toString("hex"), ...action })) }),
    ...(content_type !== undefined && { content_type }),
  };
}

const MISSING_TOKEN = 'missing token; send "Authorization: Bearer <client token>", Basic auth with the client token as the password (any user name), or ntfy\'s ?auth= parameter';

/** ntfy's three ways to authenticate: ?auth= (base64 of the header value) wins over the header, as in ntfy. */
export function authenticateNtfy(auth: Authenticator, req: Request, ctx: RequestContext, config: Config): Caller {
  const param = ctx.url.searchParams.get("auth") ?? ctx.url.searchParams.get("authorization");
  const header = param !== null ? Buffer.from(param, "base64").toString("utf8") : (req.headers.get("authorization") ?? "");
  return auth.authenticateToken(tokenOf(header), req, ctx, config, MISSING_TOKEN);
}

/** The client token in "Bearer <token>" or "Basic base64(user:token)". */
function tokenOf(header: string): string | undefined {
  const [, scheme, value] = /^\s*(\w+)\s+(\S+)\s*$/.exec(header) ?? [];
  if (scheme?.toLowerCase() === "bearer") return value;
  if (scheme?.toLowerCase() !== "basic" || value === undefined) return undefined;
  const pair = Buffer.from(value, "base64").toString("utf8");
  const colon = pair.indexOf(":");
  return colon < 0 ? undefined : pair.slice(colon + 1);
}

/**
 * The body as the message. ntfy takes a body that is not UTF-8 text for a file
 * attachment; without files here, that is a refusal rather than mangled text.
 */
function bodyText(bytes: Uint8Array): string {
  try {
    return decodeUtf8(bytes);
  } catch {
    throw httpError("unsupported_feature", "the body is not UTF-8 text: to send it as a file, name it with a Filename header (or ?filename=), as ntfy's clients do");
  }
}

function isMarkdownType(req: Request): boolean {
  return (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase() === "text/markdown";
}

/** ntfy's pre-defined templates that tgsignal renders too (its ?template=grafana for Grafana's webhook). */
function renderNtfyTemplate(name: string, bytes: Uint8Array): RenderedTemplate {
  const lower = name.toLowerCase();
  if (isNtfyTrue(lower))
    throw httpError("unsupported_feature", "ntfy's inline templates (tpl=yes, with {{…}} in the title and message) are not supported; use template=grafana or template=alertmanager, or send the text");
  if (!(TEMPLATE_NAMES as readonly string[]).includes(lower)) throw httpError("bad_template", `template: ${JSON.stringify(name)} is not one tgsignal renders; it renders ${TEMPLATE_NAMES.join(", ")}`);
  try {
    return renderTemplate(lower as TemplateName, JSON.parse(decodeUtf8(bytes)));
  } catch (error) {
    const problem = error instanceof SyntaxError ? "the body is not valid JSON; send the webhook's own JSON" : errorMessage(error);
    throw httpError("bad_body", `template=${lower}: ${problem}`);
  }
}
