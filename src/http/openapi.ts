// GET /openapi.json, generated from the schemas requests are checked against (schemas.ts)
// and the error registry (errors.ts): nothing here restates a limit, a default, an
// enumeration or an error. The response schemas are the ones tests check answers against.
import { Type, type TObject, type TSchema } from "@sinclair/typebox";
import { VERSION } from "../version.ts";
import { ERRORS, type ErrorCode } from "./errors.ts";
import { InboxEventSchema } from "../events/event-schema.ts";
import { COMPAT_ONLY_CODES, COMPAT_SECURITY_SCHEMES, compatPaths } from "./compat/compat-openapi.ts";
import { DeleteQuery, EditRequest, EventsQuery, IdempotencyKey, NotifyMultipart, NotifyRequest, NotifyToMultipart, NotifyToRequest, StatusQuery, TemplateName } from "./schemas.ts";
import { KeysQuery, KeysResponse, ReloadRejected, ReloadResponse, RevokeResponse } from "./schemas.ts";

const Outcome = Type.Union([Type.Literal("delivered"), Type.Literal("queued"), Type.Literal("scheduled"), Type.Literal("failed"), Type.Literal("cancelled")], {
  description: "scheduled: waiting for its time (at/delay); cancelled: deleted (DELETE /messages/{id}) before it was sent",
});
const TargetOutcome = Type.Union(["queued", "done", "cancelled", "skipped", "failed"].map((status) => Type.Literal(status)), {
  description: "done; cancelled (deleted before it was sent); skipped (the recipient never got the message); failed (Telegram refused it); queued",
});

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
  warning: Type.Optional(Type.String({ description: "e.g. sent as plain text after Telegram rejected the markup, or an image sent as a document" })),
  files: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String(),
        status: Outcome,
        message_id: Type.Optional(Type.Integer({ description: "the Telegram message that carries the file" })),
      }),
      { description: "each file's outcome for this recipient, in the notification's file order" },
    ),
  ),
});

/** A file a notification carries. */
export const FileSchema = Type.Object({
  name: Type.String({ description: "as the person sees it (paths and control characters removed)" }),
  mime: Type.String(),
  size: Type.Integer({ description: "bytes" }),
  sha256: Type.String({ description: "of the bytes, hex: the file's name in data_dir/files" }),
  as: Type.Union([Type.Literal("photo"), Type.Literal("document")], { description: "how Telegram shows it" }),
});

/** One recipient's side of an edit or deletion. */
export const TargetStatusSchema = Type.Object({
  user: Type.String(),
  key: Type.String(),
  bot: Type.String(),
  chat_id: Type.Integer(),
  status: TargetOutcome,
  message_ids: Type.Optional(Type.Array(Type.Integer(), { description: "the recipient's messages it applies to" })),
  error: Type.Optional(Type.String({ description: "why Telegram refused it (final)" })),
  reason: Type.Optional(Type.String({ description: "why it was skipped" })),
  last_error: Type.Optional(Type.String({ description: "the last transient error while still queued" })),
  attempts: Type.Optional(Type.Integer({ description: "failed attempts so far" })),
  warning: Type.Optional(Type.String({ description: "e.g. Telegram said the message was not modified, or already deleted" })),
});

/** The answer of PATCH and DELETE /messages/{id}. */
export const OperationSchema = Type.Object({
  id: Type.String({ description: "the notification's id" }),
  operation: Type.Union([Type.Literal("edit"), Type.Literal("delete")]),
  status: Type.Union([Type.Literal("done"), Type.Literal("queued"), Type.Literal("failed")]),
  at: Type.String({ description: "ISO 8601 time it was accepted" }),
  recipients: Type.Array(TargetStatusSchema),
});

export const NotificationSchema = Type.Object({
  id: Type.String({ description: "for GET, PATCH and DELETE /messages/{id}" }),
  status: Outcome,
  accepted_at: Type.String({ description: "ISO 8601 time the notification was accepted" }),
  scheduled_for: Type.Optional(Type.String({ description: "ISO 8601 time it is (or was) due, for a notification sent with at or delay" })),
  parts: Type.Integer({ description: "messages per recipient after splitting" }),
  recipients: Type.Array(RecipientStatusSchema),
  reply_to: Type.Optional(Type.String({ description: "the event it answers" })),
  buttons: Type.Optional(Type.Array(Type.Array(Type.Unknown()), { description: "the buttons the message shows now, as rows" })),
  keep_buttons: Type.Optional(Type.Boolean()),
  files: Type.Optional(Type.Array(FileSchema, { description: "the files, sent as one message or one album" })),
  operations: Type.Optional(Type.Array(Type.Omit(OperationSchema, ["id"]), { description: "edits and the deletion, in order" })),
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
/** Codes only PATCH and DELETE /messages/{id} answer with. */
export const MESSAGE_ONLY_CODES: readonly ErrorCode[] = ["not_found", "bad_edit", "not_editable", "not_delivered", "message_deleted", "too_many_edits"];
/** Codes only the admin API answers with. */
export const ADMIN_ONLY_CODES: readonly ErrorCode[] = ["forbidden_admin", "unknown_key", "config_invalid"];
const notifyResponses = {
  "200": { description: "delivered to every recipient", content: json(NotificationSchema) },
  "202": { description: "accepted; some recipients still queued, or scheduled (at/delay) for later (see GET /messages/{id})", content: json(NotificationSchema) },
  "424": { description: "some recipient failed permanently (blocked the bot, chat gone...)", content: json(NotificationSchema) },
  ...errorResponses(ALL_CODES.filter((code) => code !== "method_not_allowed" && !MESSAGE_ONLY_CODES.includes(code) && !ADMIN_ONLY_CODES.includes(code) && !COMPAT_ONLY_CODES.includes(code))),
};

const EDIT_CODES: readonly ErrorCode[] = [
  ...["bad_host", "bad_json", "bad_body", "body_incomplete", "bad_field", "unknown_field", "duplicate_field", "empty_text", "bad_text", "bad_format", "bad_title"] as const,
  ...["bad_buttons", "bad_wait", "bad_idempotency_key", "bad_edit", "unauthorized", "forbidden", "not_found", "not_editable", "not_delivered", "message_deleted"] as const,
  ...["too_many_edits", "body_too_large", "unsupported_media_type", "idempotency_key_reused", "rate_limited", "internal", "storage_full"] as const,
];
const DELETE_CODES: readonly ErrorCode[] = ["bad_host", "bad_field", "unknown_field", "bad_wait", "bad_idempotency_key", "unauthorized", "forbidden", "not_found", "rate_limited", "internal", "storage_full"];
const operationResponses = (codes: readonly ErrorCode[], done: string) => ({
  "200": { description: done, content: json(OperationSchema) },
  "202": { description: "accepted; some recipients still queued (it waits behind the message, or for the rate limiter)", content: json(OperationSchema) },
  "424": { description: "Telegram refused it for some recipient (e.g. a message older than 48 h cannot be deleted)", content: json(OperationSchema) },
  ...errorResponses(codes),
});
const idPath = { name: "id", in: "path", required: true, schema: { type: "string" } };

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

/** ntfy's way to send a file: the body is the file, these headers name it and carry the text. */
const rawFileHeaders = [
  {
    name: "Filename",
    in: "header",
    required: false,
    description: "makes the body a file with this name (UTF-8, or RFC 2047 =?UTF-8?B?…?=); the text then comes from Message or ?message= (or is empty)",
    schema: { type: "string" },
  },
  { name: "Message", in: "header", required: false, description: "with Filename: the text (the files' caption)", schema: { type: "string" } },
  { name: "filename", in: "query", required: false, description: "instead of the Filename header", schema: { type: "string" } },
  { name: "message", in: "query", required: false, description: "instead of the Message header", schema: { type: "string" } },
];

export function buildOpenApi(): Record<string, unknown> {
  const form = (schema: TSchema, multipart: TSchema) => ({ ...json(schema), "application/x-www-form-urlencoded": { schema }, "multipart/form-data": { schema: multipart } });
  const rawFile = { "application/octet-stream": { schema: { type: "string", format: "binary", description: "with a Filename header: the file's bytes (any Content-Type)" } } };
  const notifyTo = (summary: string) => ({
    summary,
    parameters: [
      { name: "to", in: "path", required: true, schema: { type: "string" }, description: 'e.g. "ops" or "ivanov,petrov"' },
      idempotencyHeader,
      ...rawFileHeaders,
      ...queryParameters(NotifyToRequest),
      templateParameter,
    ],
    requestBody: { required: false, content: { "text/plain": { schema: { type: "string" } }, ...form(NotifyToRequest, NotifyToMultipart), ...rawFile } },
    responses: notifyResponses,
  });
  return {
    openapi: "3.1.0",
    info: { title: "tgsignal", version: VERSION, description: "Telegram notifications to named people with one curl" },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" }, ...COMPAT_SECURITY_SCHEMES } },
    security: [{ bearer: [] }],
    paths: {
      "/notify": {
        post: {
          summary: "Send a notification",
          parameters: [idempotencyHeader, templateParameter],
          requestBody: { required: true, content: form(NotifyRequest, NotifyMultipart) },
          responses: notifyResponses,
        },
      },
      "/notify/{to}": {
        post: notifyTo("Send a notification to the users/groups in the path; the body is the text, the fields, or (with Filename) a file"),
        put: notifyTo("The same as POST (ntfy's way to send a file: curl -T invoice.pdf -H 'Filename: invoice.pdf')"),
      },
      "/messages/{id}": {
        get: {
          summary: "Status of an accepted notification (kept 24 h after delivery; as long as events for one with buttons)",
          parameters: [idPath, ...queryParameters(StatusQuery)],
          responses: {
            "200": { description: "the notification", content: json(NotificationSchema) },
            ...errorResponses(["bad_host", "bad_field", "bad_wait", "unauthorized", "forbidden", "not_found", "internal"]),
          },
        },
        patch: {
          summary: "Edit what every recipient received (a one-message notification): text, format, title, buttons",
          parameters: [idPath, { ...idempotencyHeader, description: "a retry with the same key returns the first edit instead of editing again" }],
          requestBody: { required: true, content: form(EditRequest, EditRequest) },
          responses: operationResponses(EDIT_CODES, "edited for every recipient (skipped for those it never reached)"),
        },
        delete: {
          summary: "Delete what was delivered (every part) and cancel what is still queued; a second DELETE answers with the first",
          parameters: [idPath, ...queryParameters(DeleteQuery)],
          responses: operationResponses(DELETE_CODES, "deleted (or cancelled before it was sent) for every recipient"),
        },
      },
      ...eventPaths(),
      ...adminPaths(),
      ...compatPaths(),
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

/** The admin API: clients with admin: true (or the local caller when there are no clients). */
function adminPaths(): Record<string, unknown> {
  const access = ["bad_host", "unauthorized", "forbidden", "forbidden_admin", "internal"] as const;
  return {
    "/keys": {
      get: {
        summary: "Every key the bots issued, with who asked, when, and the user it is assigned to; unassigned active keys first",
        parameters: queryParameters(KeysQuery),
        responses: {
          "200": { description: "the keys, in the order an admin acts on them", content: json(KeysResponse) },
          ...errorResponses([...access, "bad_field", "unknown_field", "bad_bot", "unknown_bot"]),
        },
      },
    },
    "/keys/{key}/revoke": {
      post: {
        summary: "Revoke a key now: keys.log records it, the person is told, queued notifications to it fail; revoking a revoked key changes nothing (200)",
        parameters: [{ name: "key", in: "path", required: true, schema: { type: "string" }, description: "8 digits" }],
        responses: {
          "200": { description: "revoked (revoked: true), or it was already (revoked: false)", content: json(RevokeResponse) },
          ...errorResponses([...access, "unknown_key", "storage_full"]),
        },
      },
    },
    "/reload": {
      post: {
        summary: "Reload the config file now, as SIGHUP does, and answer with the outcome",
        responses: {
          "200": { description: "the new config is in force (reloaded: true), or the file is unchanged (reloaded: false)", content: json(ReloadResponse) },
          "422": {
            description: `\`config_invalid\`: ${ERRORS.config_invalid.message} (README ${ERRORS.config_invalid.doc})`,
            content: json(ReloadRejected),
          },
          ...errorResponses(access),
        },
      },
    },
  };
}
