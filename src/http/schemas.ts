// What requests may contain, as TypeBox schemas: the one definition requests are checked
// against (fields.ts, by TypeBox itself) and /openapi.json is generated from, so no limit,
// default or enumeration is written twice. Routes to come (PATCH and DELETE /messages,
// buttons, attachments) add their schemas beside these.
import { Type } from "@sinclair/typebox";
import { FORMATS, type Format } from "../delivery/format.ts";
import { TEMPLATE_NAMES } from "../templates/webhooks.ts";
import type { ErrorCode } from "./errors.ts";

export const DEFAULT_FORMAT: Format = "text";
export const DEFAULT_WAIT_SECONDS = 10;
export const MAX_WAIT_SECONDS = 60;

/**
 * The registry code a field's problems are answered with, and the one for leaving out a
 * required field (both shown in /openapi.json). Without them: bad_field.
 */
const codes = (invalid: ErrorCode, missing?: ErrorCode) => ({ "x-error-code": invalid, ...(missing && { "x-missing-code": missing }) });

const Names = Type.Union([Type.String(), Type.Array(Type.String())], {
  description: 'users and/or groups from the config: "ivanov", "ivanov,ops" or ["ivanov","ops"]',
  ...codes("bad_recipient", "missing_recipient"),
});

/** POST /notify; /notify/{to} takes the same fields, with `to` from the path. */
export const NotifyRequest = Type.Object(
  {
    to: Names,
    text: Type.String({ description: "the message; longer than 4096 characters is split into several messages", ...codes("bad_text", "empty_text") }),
    format: Type.Optional(Type.Union(FORMATS.map((format) => Type.Literal(format)), { default: DEFAULT_FORMAT, description: "text, html (Telegram HTML) or markdown (a safe subset)", ...codes("bad_format") })),
    title: Type.Optional(Type.String({ maxLength: 256, description: "shown bold above the text", ...codes("bad_title") })),
    silent: Type.Optional(Type.Boolean({ default: false, description: "deliver without sound (disable_notification)", ...codes("bad_silent") })),
    bot: Type.Optional(Type.String({ description: "use only the recipients' keys of this bot", ...codes("bad_bot") })),
    topic: Type.Optional(Type.Integer({ minimum: 1, description: "forum topic (message_thread_id) in group chats", ...codes("bad_topic") })),
    wait: Type.Optional(
      Type.Number({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: DEFAULT_WAIT_SECONDS, description: "seconds to wait for delivery before answering; 0 = answer once queued", ...codes("bad_wait") }),
    ),
  },
  { additionalProperties: false },
);

/** The body (or query string) of POST /notify/{to}. */
export const NotifyToRequest = Type.Omit(NotifyRequest, ["to"]);

/** `?template=` of /notify and /notify/{to}. */
export const TemplateName = Type.Union(TEMPLATE_NAMES.map((name) => Type.Literal(name)), { description: "the body is an Alertmanager or Grafana webhook payload, rendered as HTML", ...codes("bad_template") });

/** The Idempotency-Key header. */
export const IdempotencyKey = Type.String({ minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$", description: "1 to 255 printable ASCII characters without spaces, e.g. a UUID", ...codes("bad_idempotency_key") });

/** The query string of GET /messages/{id}. */
export const StatusQuery = Type.Object({
  wait: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_WAIT_SECONDS, description: "wait up to this many seconds for delivery", ...codes("bad_wait") })),
});

export const DEFAULT_EVENTS_LIMIT = 100;
export const MAX_EVENTS_LIMIT = 1000;

/** The query string of GET /events. */
export const EventsQuery = Type.Object({
  after: Type.Optional(
    Type.String({
      pattern: "^[0-9]{1,20}$",
      default: "0",
      description: "an event id (decimal digits, e.g. 1042): only newer events are returned; 0 = from the oldest kept",
      ...codes("bad_after"),
    }),
  ),
  wait: Type.Optional(
    Type.Number({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: 0, description: "seconds to wait for an event when there is none (long polling); 0 = answer at once", ...codes("bad_wait") }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EVENTS_LIMIT, default: DEFAULT_EVENTS_LIMIT, description: "at most this many events, oldest first", ...codes("bad_limit") })),
});
