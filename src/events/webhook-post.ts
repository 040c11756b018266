// One webhook POST: the event's JSON bytes, signed, sent with a deadline that aborts the
// request, redirects not followed. Returns what happened as data; the pusher decides what
// to do about it. Nothing here throws, and no message carries the URL's credentials or
// query (where receivers such as 1C HTTP services often take a shared secret).
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import type { Clock } from "../lib/clock.ts";
import { errorMessage } from "../lib/errors.ts";
import { redactUrl } from "../lib/redact.ts";
import { VERSION } from "../version.ts";
import type { InboxEvent } from "./types.ts";

/** The fetch the pusher calls; tests hand in a fake or let it reach a local Bun.serve. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface WebhookTarget {
  url: string;
  secret: string;
}

export type FailureReason = "timeout" | "network" | "redirect" | "http_4xx" | "http_5xx";

export type PostOutcome = { ok: true; status: number } | { ok: false; reason: FailureReason; message: string; status: number | null };

export interface PostOptions {
  fetch: FetchLike;
  clock: Clock;
  /** The request is aborted when it passes (network time: never scaled). */
  deadlineMs: number;
  /** Aborts the request at once (the pusher stops). */
  signal: AbortSignal;
}

/** How much of a refusal's body goes into the error: a 1C or nginx error page names the cause. */
const BODY_EXCERPT = 200;

/** `sha256=` + the hex HMAC-SHA256 of exactly these bytes with the secret (X-Tgsignal-Signature). */
export function signBody(body: Uint8Array, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** The bytes that are POSTed and signed: the event JSON, nothing around it. */
export function eventBody(event: InboxEvent): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(JSON.stringify(event));
}

/**
 * The URL fit for logs, errors and /healthz: credentials masked (redactUrl) and the
 * query's values masked, names kept (`?key=***`): a shared secret often rides there.
 */
export function showWebhookUrl(url: string): string {
  const shown = redactUrl(url);
  const query = shown.indexOf("?");
  if (query < 0) return shown;
  const hash = shown.indexOf("#", query);
  const params = shown.slice(query + 1, hash < 0 ? undefined : hash).split("&");
  const masked = params.map((param) => (param.includes("=") ? `${param.slice(0, param.indexOf("="))}=***` : param));
  return `${shown.slice(0, query)}?${masked.join("&")}${hash < 0 ? "" : shown.slice(hash)}`;
}

export async function postEvent(target: WebhookTarget, eventId: string, body: Uint8Array<ArrayBuffer>, options: PostOptions): Promise<PostOutcome> {
  const { url, authorization } = splitCredentials(target.url);
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "User-Agent": `tgsignal/${VERSION}`,
    "X-Tgsignal-Event": eventId,
    "X-Tgsignal-Signature": signBody(body, target.secret),
  };
  if (authorization) headers.Authorization = authorization;
  const request = new AbortController();
  const timer = new AbortController();
  let timedOut = false;
  const onStop = () => request.abort(options.signal.reason);
  if (options.signal.aborted) onStop();
  else options.signal.addEventListener("abort", onStop, { once: true });
  options.clock.sleep(options.deadlineMs, timer.signal).then(
    () => {
      timedOut = true;
      request.abort(new Error("deadline passed"));
    },
    () => {},
  );
  try {
    // redirect "manual": a 3xx comes back as it is. Following it would POST the signed
    // event to an address nobody configured (and fetch turns a 303 into a GET).
    const response = await options.fetch(url, { method: "POST", headers, body, redirect: "manual", signal: request.signal });
    return await judge(response, target.url);
  } catch (error) {
    if (timedOut) return { ok: false, reason: "timeout", status: null, message: `no answer within ${options.deadlineMs / 1000} s; the request was aborted` };
    return { ok: false, reason: "network", status: null, message: `unreachable: ${scrub(errorMessage(error), target.url)}` };
  } finally {
    timer.abort();
    options.signal.removeEventListener("abort", onStop);
  }
}

async function judge(response: Response, configured: string): Promise<PostOutcome> {
  const status = response.status;
  if (status >= 200 && status < 300) {
    // The answer's body means nothing to us: do not wait for it.
    await response.body?.cancel().catch(() => {});
    return { ok: true, status };
  }
  if (status >= 300 && status < 400) {
    await response.body?.cancel().catch(() => {});
    const location = response.headers.get("location");
    const to = location === null ? "" : ` to ${showWebhookUrl(scrub(location, configured))}`;
    return { ok: false, reason: "redirect", status, message: `HTTP ${status}: redirect${to} not followed; set webhook.url to the final address` };
  }
  const excerpt = await readExcerpt(response);
  const reason = status >= 500 ? "http_5xx" : "http_4xx";
  return { ok: false, reason, status, message: `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ""}${excerpt ? `: ${excerpt}` : ""}` };
}

/** The start of a refusal's body, on one line; the rest is cancelled unread. */
async function readExcerpt(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < BODY_EXCERPT) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A body cut short still tells the status; the excerpt is a courtesy.
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.slice(0, BODY_EXCERPT).replace(/\s+/g, " ").trim();
}

/**
 * The URL without its `user:password@`, and those credentials as an Authorization header
 * (HTTP Basic): fetch would send them so anyway, but then error texts may echo them.
 */
function splitCredentials(text: string): { url: string; authorization: string | null } {
  const url = new URL(text);
  if (url.username === "" && url.password === "") return { url: url.href, authorization: null };
  const pair = `${decodeSafely(url.username)}:${decodeSafely(url.password)}`;
  url.username = "";
  url.password = "";
  return { url: url.href, authorization: `Basic ${Buffer.from(pair, "utf8").toString("base64")}` };
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Runtime errors may quote the URL (Deno: "error sending request for url (…)"): show it masked. */
function scrub(message: string, configured: string): string {
  let out = message;
  const forms = new Set([configured, safeHref(configured), splitCredentials(configured).url]);
  for (const form of forms) if (form) out = out.split(form).join(showWebhookUrl(configured));
  return out;
}

function safeHref(text: string): string | undefined {
  try {
    return new URL(text).href;
  } catch {
    return undefined;
  }
}
