// GET /openapi.json: the notify API described from TypeBox schemas (the same schemas the
// tests check real responses against, so the description cannot drift from the code).
import { TEMPLATE_NAMES } from "../templates/webhooks.ts";
import { Type, type TSchema } from "@sinclair/typebox";
import { FORMATS } from "../delivery/format.ts";
import { VERSION } from "../version.ts";
import { DEFAULT_WAIT_SECONDS, MAX_WAIT_SECONDS } from "./notify-input.ts";

const Names = Type.Union([Type.String(), Type.Array(Type.String())], {
  description: 'users and/or groups from the config: "ivanov", "ivanov,ops" or ["ivanov","ops"]',
});

const fields = {
  text: Type.String({ minLength: 1, description: "the message; longer than 4096 characters is split into several messages" }),
  format: Type.Optional(Type.Union(FORMATS.map((format) => Type.Literal(format)), { default: "text", description: "text (default), html (Telegram HTML) or markdown (a safe subset)" })),
  title: Type.Optional(Type.String({ maxLength: 256, description: "shown bold above the text" })),
  silent: Type.Optional(Type.Boolean({ description: "deliver without sound (disable_notification)" })),
  bot: Type.Optional(Type.String({ description: "use only the recipients' keys of this bot" })),
  topic: Type.Optional(Type.Integer({ minimum: 1, description: "forum topic (message_thread_id) in group chats" })),
  wait: Type.Optional(
    Type.Number({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: DEFAULT_WAIT_SECONDS, description: "seconds to wait for delivery before answering; 0 = answer once queued" }),
  ),
};

export const NotifyRequestSchema = Type.Object({ to: Names, ...fields }, { additionalProperties: false });
export const NotifyToRequestSchema = Type.Object(fields, { additionalProperties: false });

export const RecipientStatusSchema = Type.Object({
  user: Type.String(),
  key: Type.String(),
  bot: Type.String(),
  chat_id: Type.Integer(),
  status: Type.Union([Type.Literal("delivered"), Type.Literal("queued"), Type.Literal("failed")]),
  message_ids: Type.Optional(Type.Array(Type.Integer(), { description: "Telegram message ids, one per part" })),
  error: Type.Optional(Type.String({ description: "why it failed permanently" })),
  last_error: Type.Optional(Type.String({ description: "the last transient error while still queued" })),
  attempts: Type.Optional(Type.Integer({ description: "failed attempts so far" })),
  warning: Type.Optional(Type.String({ description: "e.g. sent as plain text after Telegram rejected the markup" })),
});

export const NotificationSchema = Type.Object({
  id: Type.String({ description: "for GET /messages/{id}" }),
  status: Type.Union([Type.Literal("delivered"), Type.Literal("queued"), Type.Literal("failed")]),
  accepted_at: Type.String({ description: "ISO 8601 time the notification was accepted" }),
  parts: Type.Integer({ description: "messages per recipient after splitting" }),
  recipients: Type.Array(RecipientStatusSchema),
});

export const ErrorSchema = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

const json = (schema: TSchema) => ({ "application/json": { schema } });
const error = (description: string) => ({ description, content: json(ErrorSchema) });

const notifyResponses = {
  "200": { description: "delivered to every recipient", content: json(NotificationSchema) },
  "202": { description: "accepted; some recipients still queued (see GET /messages/{id})", content: json(NotificationSchema) },
  "424": { description: "some recipient failed permanently (blocked the bot, chat gone...)", content: json(NotificationSchema) },
  "400": error("invalid field or unknown recipient; nothing was sent"),
  "401": error("missing or unknown bearer token"),
  "403": error("recipient outside the client's allow list, or a non-loopback caller without clients"),
  "413": error("body larger than body_limit"),
  "415": error("unsupported Content-Type"),
  "422": error("recipient cannot be reached (key not in the key log, bot disabled), or Idempotency-Key reused"),
  "429": error("client over its rate_limit; see Retry-After"),
};

const idempotencyHeader = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "retries with the same key within 24 h return the first notification instead of sending again",
  schema: { type: "string", maxLength: 255 },
};

export function buildOpenApi(): Record<string, unknown> {
  const queryFields = Object.entries(fields).map(([name, schema]) => ({ name, in: "query", required: false, schema }));
  return {
    openapi: "3.1.0",
    info: { title: "tgsignal", version: VERSION, description: "Telegram notifications to named people with one curl" },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths: {
      "/notify": {
        post: {
          summary: "Send a notification",
          parameters: [idempotencyHeader],
          requestBody: { required: true, content: { ...json(NotifyRequestSchema), "application/x-www-form-urlencoded": { schema: NotifyRequestSchema } } },
          responses: notifyResponses,
        },
      },
      "/notify/{to}": {
        post: {
          summary: "Send a notification to the users/groups in the path; the body is the text",
          parameters: [
            { name: "to", in: "path", required: true, schema: { type: "string" }, description: 'e.g. "ops" or "ivanov,petrov"' },
            idempotencyHeader,
            ...queryFields,
            {
              name: "template",
              in: "query",
              required: false,
              schema: { type: "string", enum: [...TEMPLATE_NAMES] },
              description: "the body is an Alertmanager or Grafana webhook payload, rendered as HTML",
            },
          ],
          requestBody: {
            required: false,
            content: { "text/plain": { schema: { type: "string" } }, ...json(NotifyToRequestSchema), "application/x-www-form-urlencoded": { schema: NotifyToRequestSchema } },
          },
          responses: notifyResponses,
        },
      },
      "/messages/{id}": {
        get: {
          summary: "Status of an accepted notification (kept 24 h after delivery)",
          parameters: [
            { name: "id", in: "path", required: true, schema: { type: "string" } },
            { name: "wait", in: "query", required: false, schema: { type: "number", minimum: 0, maximum: MAX_WAIT_SECONDS }, description: "wait up to this many seconds for delivery" },
          ],
          responses: { "200": { description: "the notification", content: json(NotificationSchema) }, "404": error("unknown or expired id") },
        },
      },
      "/healthz": { get: { summary: "Liveness and per-bot state", security: [], responses: { "200": { description: "ok or degraded" } } } },
      "/metrics": { get: { summary: "Prometheus metrics", security: [], responses: { "200": { description: "text exposition format" } } } },
      "/openapi.json": { get: { summary: "This document", security: [], responses: { "200": { description: "OpenAPI 3.1" } } } },
    },
  };
}
