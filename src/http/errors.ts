// The error registry (ntfy's errHTTP): each code the API answers with has one entry, its
// HTTP status, a default message and the README section that explains it. Errors carry
// only a code (src/lib/errors.ts); this is the one place that gives them a status and
// renders them as {"error":{"code","message"}}. /openapi.json and README's Errors table
// list the same entries.
// Messages echo what the caller sent (a field, a name) as it was sent: masking known
// secrets in them would answer "***" exactly when a guess equals a token or passphrase,
// an oracle. Only bot-token-shaped text is masked, which depends on the text alone.
import { MAX_PARTS } from "../delivery/notifier.ts";
import { RequestError, StorageFullError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { maskBotTokens } from "../lib/redact.ts";

export interface ErrorEntry {
  readonly status: number;
  readonly message: string;
  /** A README anchor. */
  readonly doc: string;
}

const entry = (status: number, message: string, doc = "#errors"): ErrorEntry => ({ status, message, doc });

export const ERRORS = {
  bad_host: entry(400, "the request has no valid Host header (HTTP/1.0 without Host, or a port over 65535); send Host: <host>:<port>"),
  bad_json: entry(400, 'the body is not valid JSON; send an object such as {"to":"ivanov","text":"hello"}'),
  bad_body: entry(400, "the body could not be decoded (not UTF-8, a broken form, a form of more than 128 different field names or of more than 1,000 parts, or not the JSON a template expects)"),
  body_incomplete: entry(400, "the body ended before it was complete: the client disconnected, or sent less than its Content-Length"),
  bad_field: entry(400, "a field has the wrong type or value (the message names it), or a file where none is taken (PATCH, a Filename header on POST /notify)"),
  unknown_field: entry(400, "unknown field (the message suggests the closest one); see the fields under HTTP API, or GET /openapi.json", "#http-api"),
  duplicate_field: entry(400, "a field is given twice (path, query string and body together); give it once"),
  missing_recipient: entry(400, 'no recipient: give "to" (a user or group from the config), or POST /notify/{to}, or "reply_to" (an event id)'),
  bad_recipient: entry(400, '"to" must be a name or a list of names, e.g. "ivanov" or ["ivanov","ops"]'),
  unknown_recipient: entry(400, "unknown user or group; recipients are the users and groups in the config"),
  empty_text: entry(400, 'no text: give "text", or send the text as a text/plain body to /notify/{to}; Telegram does not deliver empty messages'),
  bad_text: entry(400, '"text" must be a string'),
  bad_format: entry(400, "format is not supported; the message lists the formats", "#http-api"),
  bad_title: entry(400, "title is not a string, or is longer than the message says"),
  bad_silent: entry(400, "silent must be true or false"),
  bad_bot: entry(400, "bot must be a string: the id of a bot in the config"),
  unknown_bot: entry(400, "unknown bot; use a bot id from the config"),
  bad_topic: entry(400, "topic must be a forum topic (message thread) id, a positive whole number"),
  bad_wait: entry(400, "wait is not a number of seconds within the range the message gives"),
  bad_at: entry(400, 'at is not a time, or more than 30 days ahead: give RFC 3339 with Z or an offset ("2026-11-25T09:00:00+03:00"), a Unix time in seconds, or "09:00" (the next 09:00 in the bot\'s timezone)', "#scheduled-delivery"),
  bad_delay: entry(400, 'delay is not a duration of at most 30 days: a whole number with s, m, h or d, e.g. "90s", "30m", "2h", "1d"', "#scheduled-delivery"),
  bad_after: entry(400, "after must be an event id (decimal digits, e.g. 1042) or 0 for the oldest kept event", "#http-api"),
  bad_limit: entry(400, "limit must be a whole number of events within the range the message gives", "#http-api"),
  bad_template: entry(400, "unknown template; the message lists them", "#alertmanager-and-grafana"),
  bad_buttons: entry(400, "a button is malformed (the message says which and why): each is {text, data} or {text, url}, with a label of 1 to 64 characters, data of 1 to 256 characters, an http(s) url; at most 8 per row and 100 in all", "#buttons"),
  bad_keep_buttons: entry(400, "keep_buttons must be true or false", "#buttons"),
  bad_reply_to: entry(400, "reply_to must be an event id: the decimal id of an event from GET /events", "#replies"),
  bad_edit: entry(400, 'nothing to change, or format/title without a new text: give "text" and/or "buttons"', "#edit-and-delete"),
  bad_attachments: entry(400, "a file is unusable (the message says which and why): attachments must be a list of {name, data, mime?} with data in base64; a file must not be empty; at most 10 files per notification", "#files"),
  bad_idempotency_key: entry(400, "Idempotency-Key is too long, or has spaces or characters outside printable ASCII; a UUID will do"),
  bad_priority: entry(400, "priority is not one the peer defines: ntfy takes 1–5 or min, low, default, high, max, urgent; Gotify a whole number", "#speaking-ntfy-and-gotify"),
  bad_actions: entry(400, "ntfy Actions are malformed, or hold an action a Telegram button cannot be: only view actions with an http(s) url become link buttons (http, broadcast and copy actions are refused)", "#speaking-ntfy-and-gotify"),
  unsupported_feature: entry(400, "the request asks for something this gateway does not do (the message names it, e.g. ntfy's inline templates, or file attachments where they are not taken); send it without that", "#speaking-ntfy-and-gotify"),
  unauthorized: entry(401, 'missing or unknown bearer token; send "Authorization: Bearer <client token>"'),
  forbidden: entry(403, "no clients are configured, so only local programs are accepted (a loopback address, a localhost Host, no Origin header as browsers send); add a client with a token under clients:", "#http-api"),
  forbidden_recipient: entry(403, "a recipient is outside the client's allow list (for such a client, so is a name that does not exist); notify someone in it, or widen clients.<id>.allow", "#config-reference"),
  forbidden_events: entry(403, "this client may not read events; set clients.<id>.receive: true (or give it a webhook) in the config", "#config-reference"),
  forbidden_admin: entry(403, "this client may not use the admin API (GET /keys, POST /keys/{key}/revoke, POST /reload); set clients.<id>.admin: true in the config", "#admin-api"),
  no_recipients: entry(403, "a Gotify message names no recipient, and this client has no clients.<id>.to in the config; add the users or groups its messages go to", "#speaking-ntfy-and-gotify"),
  not_found: entry(404, "no such endpoint, or no such notification for this client (ids are kept 24 h after delivery)"),
  unknown_event: entry(404, "no such event that this client may read: a client answers events of people inside its allow, and needs receive: true; events are kept for events_retention", "#replies"),
  unknown_key: entry(404, "no such key in keys.log; GET /keys lists every key the bots issued", "#admin-api"),
  method_not_allowed: entry(405, "this method is not allowed here; see the Allow header"),
  not_editable: entry(409, "the notification went out as several messages, or the new text would need several; an edit changes one message", "#edit-and-delete"),
  not_delivered: entry(409, "every recipient of the notification failed, so there is nothing to edit", "#edit-and-delete"),
  message_deleted: entry(409, "the notification was deleted; there is nothing left to edit", "#edit-and-delete"),
  too_many_edits: entry(409, "the notification was edited too many times (the message says how many are allowed); send a new notification", "#edit-and-delete"),
  body_too_large: entry(413, "the body is larger than body_limit; send a shorter text or raise body_limit"),
  upload_too_large: entry(413, "the files are larger than upload_limit (default 50 MiB, Telegram's limit for bots); send smaller files, or raise upload_limit (up to 2000 MiB with a self-hosted Bot API server)", "#files"),
  text_too_long: entry(413, `the text would go out as more than ${MAX_PARTS} messages per recipient (also counted: the plain-text resend if Telegram refuses its HTML); send a summary, or split it into several notifications`, "#http-api"),
  unsupported_media_type: entry(415, "unsupported Content-Type; send application/json, application/x-www-form-urlencoded, multipart/form-data, or text/plain to /notify/{to}"),
  recipient_unreachable: entry(422, "a recipient's key is not in the key log (the person sends /key, the admin puts that key in users), its bot is disabled or gone, or it has no key on the requested bot", "#keys"),
  bot_disabled: entry(422, "the requested bot is disabled in the config (enabled: false); enable it, or leave out bot"),
  empty_group: entry(422, "the group has no members; add some under groups:"),
  idempotency_key_reused: entry(422, "the Idempotency-Key was already used for a different request; use a new key", "#http-api"),
  file_too_big: entry(422, "the file is over the 20 MB Telegram lets bots download; the person must send it another way (a link, a smaller file)", "#http-api"),
  config_invalid: entry(422, "the config file has errors (error.issues lists each with its file, line and column); the last good config stays in force; fix the file and reload again", "#admin-api"),
  rate_limited: entry(429, "the client is over its rate_limit; retry after Retry-After seconds, or raise clients.<id>.rate_limit", "#config-reference"),
  internal: entry(500, "internal error; see the gateway's log"),
  file_unavailable: entry(502, "Telegram did not hand over the file (the message says why: the bot's token changed, Telegram unreachable, ...); retry later", "#http-api"),
  storage_full: entry(507, "the gateway's disk is full, so nothing was queued; retry later (the admin must free space in data_dir)", "#running-it"),
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}

/** A RequestError with a registered code (and its default message unless given one). */
export function httpError(code: ErrorCode, message: string = ERRORS[code].message, headers?: Record<string, string>): RequestError {
  return new RequestError(code, message, headers);
}

export function errorResponse(code: ErrorCode, message: string = ERRORS[code].message, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { code, message: maskBotTokens(message) } }, { status: ERRORS[code].status, headers });
}

/** What an error is answered with, in whatever shape: its registry code, message and headers. */
export interface ErrorAnswer {
  code: ErrorCode;
  message: string;
  headers: Record<string, string>;
}

/**
 * Request errors as their registry entry says (logged at debug: the caller's mistake, not
 * the gateway's); anything else is logged and answered 500. The ntfy and Gotify routes
 * render the same answer in their peer's shape.
 */
export function answerError(error: unknown, log: Logger): ErrorAnswer {
  if (error instanceof RequestError && isErrorCode(error.code)) {
    log.debug("request refused", { code: error.code, reason: error.message });
    return { code: error.code, message: error.message, headers: error.headers };
  }
  // The detailed message names the data file: it belongs in the log, not the response.
  if (error instanceof StorageFullError) return log.error("storage full", { error: error.message }), { code: "storage_full", message: ERRORS.storage_full.message, headers: {} };
  const what = error instanceof RequestError ? `error code "${error.code}" is not in the registry` : "unexpected error while handling a request";
  // `||`: some errors (a DOMException) have an empty stack.
  log.error(what, { error: error instanceof Error ? error.stack || error.message : String(error) });
  return { code: "internal", message: ERRORS.internal.message, headers: {} };
}

export function renderError(error: unknown, log: Logger): Response {
  const { code, message, headers } = answerError(error, log);
  return errorResponse(code, message, headers);
}
