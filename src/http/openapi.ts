// GET /openapi.json, generated from the schemas requests are checked against (schemas.ts)
// and the error registry (errors.ts): nothing here restates a limit, a default, an
// enumeration or an error. The response schemas are the ones tests check answers against.
import { Type, type TObject, type TSchema } from "@sinclair/typebox";
import { VERSION } from "../version.ts";
import { ERRORS, type ErrorCode } from "./errors.ts";
import { InboxEventSchema } from "../events/event-schema.ts";
import { EventsQuery, IdempotencyKey, NotifyRequest, NotifyToRequest, StatusQuery, TemplateName } from "./schemas.ts";

const Outcome = Type.Union([Type.Literal("delivered"), Type.Literal("queued"), Type.Literal("failed")]);

export const RecipientStatusSchema = Type.Object({
  user: Type.String(),
  key: Type.String(),
  bot: Type.String(),
  chat_id: Type.Integer(),
  status: Outcome,
  message_ids: Type.Optional(Type.Array(Type.Integer(), { description: "Telegram message ids, one per part" })),
  error: Type.Optional(Type.String({ description: "why it failed permanently" })),
  last_error: Type.Optional(Type.String({ description: "the last transient error while still queued" })),
  attempts: Type.Optional(Type.Integer({ description: "failed attempts so far" })),
  warning: Type.Optional(Type.String({ description: "e.g. sent as plain text after Telegram rejected the markup" })),
});

export const NotificationSchema = Type.Object({
  id: Type.String({ description: "for GET /messages/{id}" }),
  status: Outcome,
  accepted_at: Type.String({ description: "ISO 8601 time the notification was accepted" }),
  parts: Type.Integer({ description: "messages per recipient after splitting" }),
  recipients: Type.Array(RecipientStatusSchema),
});

const json = (schema: TSchema) => ({ "application/json": { schema } });

/** Error answers by status, each listing its registry codes with what they mean and where README explains them. */
function errorResponses(codes: readonly ErrorCode[]): Record<string, unknown> {
  const statuses = [...new Set(codes.map((code) => ERRORS[code].status))];
  return Object.fromEntries(
    statuses.map((status) => {
      const list = codes.filter((code) => ERRORS[code].status === status);
      const description = list.map((code) => `\`${code}\`: ${ERRORS[code].message} (README ${ERRORS[code].doc})`).join("\n\n");
      const Code = Type.Union(list.map((code) => Type.Literal(code)));
      return [String(status), { description, content: json(Type.Object({ error: Type.Object({ code: Code, message: Type.String() }) })) }];
    }),
  );
}

const ALL_CODES = Object.keys(ERRORS) as ErrorCode[];
const notifyResponses = {
  "200": { description: "delivered to every recipient", content: json(NotificationSchema) },
  "202": { description: "accepted; some recipients still queued (see GET /messages/{id})", content: json(NotificationSchema) },
  "424": { description: "some recipient failed permanently (blocked the bot, chat gone...)", content: json(NotificationSchema) },
  ...errorResponses(ALL_CODES.filter((code) => code !== "not_found" && code !== "method_not_allowed")),
};

const queryParameters = (schema: TObject) =>
  Object.entries(schema.properties).map(([name, property]) => ({ name, in: "query", required: false, schema: property }));

const idempotencyHeader = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "retries with the same key within 24 h return the first notification instead of sending again",
  schema: IdempotencyKey,
};
const templateParameter = { name: "template", in: "query", required: false, schema: TemplateName };

export function buildOpenApi(): Record<string, unknown> {
  const form = (schema: TSchema) => ({ ...json(schema), "application/x-www-form-urlencoded": { schema }, "multipart/form-data": { schema } });
  return {
    openapi: "3.1.0",
    info: { title: "tgsignal", version: VERSION, description: "Telegram notifications to named people with one curl" },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths: {
      "/notify": {
        post: {
          summary: "Send a notification",
          parameters: [idempotencyHeader, templateParameter],
          requestBody: { required: true, content: form(NotifyRequest) },
          responses: notifyResponses,
        },
      },
      "/notify/{to}": {
        post: {
          summary: "Send a notification to the users/groups in the path; the body is the text",
          parameters: [
            { name: "to", in: "path", required: true, schema: { type: "string" }, description: 'e.g. "ops" or "ivanov,petrov"' },
            idempotencyHeader,
            ...queryParameters(NotifyToRequest),
            templateParameter,
          ],
          requestBody: { required: false, content: { "text/plain": { schema: { type: "string" } }, ...form(NotifyToRequest) } },
          responses: notifyResponses,
        },
      },
      "/messages/{id}": {
        get: {
          summary: "Status of an accepted notification (kept 24 h after delivery)",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }, ...queryParameters(StatusQuery)],
          responses: {
            "200": { description: "the notification", content: json(NotificationSchema) },
            ...errorResponses(["bad_host", "bad_field", "bad_wait", "unauthorized", "forbidden", "not_found", "internal"]),
          },
        },
      },
      ...eventPaths(),
      "/healthz": { get: { summary: "Liveness and per-bot state", security: [], responses: { "200": { description: "ok or degraded" } } } },
      "/metrics": { get: { summary: "Prometheus metrics", security: [], responses: { "200": { description: "text exposition format" } } } },
      "/openapi.json": { get: { summary: "This document", security: [], responses: { "200": { description: "OpenAPI 3.1" } } } },
    },
  };
}

export const EventsResponseSchema = Type.Object({ events: Type.Array(InboxEventSchema) });

function eventPaths(): Record<string, unknown> {
  const access = ["bad_host", "unauthorized", "forbidden", "forbidden_events", "internal"] as const;
  return {
    "/events": {
      get: {
        summary: "What people wrote (messages, commands, replies, button presses, files), newer than a cursor; long-polls with wait",
        parameters: queryParameters(EventsQuery),
        responses: {
          "200": { description: "events newer than after, oldest first (empty when wait ran out)", content: json(EventsResponseSchema) },
          ...errorResponses([...access, "bad_field", "unknown_field", "bad_after", "bad_wait", "bad_limit"]),
        },
      },
    },
    "/events/{id}/files/{n}": {
      get: {
        summary: "The bytes of file n (from 0) of an event, streamed from Telegram",
        parameters: [
          { name: "id", in: "path", required: true, schema: { type: "string" } },
          { name: "n", in: "path", required: true, schema: { type: "integer", minimum: 0 } },
        ],
        responses: {
          "200": { description: "the file, with its Content-Type and a Content-Disposition naming it", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } },
          ...errorResponses([...access, "not_found", "file_too_big", "file_unavailable"]),
        },
      },
    },
  };
}
