// The ntfy and Gotify routes in /openapi.json: their requests, their answers (the schemas
// the tests check answers against) and their errors, in each peer's shape, listing the
// registry codes they carry (also in the X-Tgsignal-Error header).
import { Type, type TSchema } from "@sinclair/typebox";
import { ERRORS, type ErrorCode } from "../errors.ts";
import { NTFY_ALIASES } from "./ntfy-params.ts";
import { ntfyErrorCode } from "./peer-errors.ts";

/** Codes only the ntfy and Gotify routes answer with (so /notify does not list them). */
export const COMPAT_ONLY_CODES: readonly ErrorCode[] = ["bad_priority", "bad_actions", "unsupported_feature", "no_recipients"];

const NtfyAction = Type.Object({ id: Type.String(), action: Type.Literal("view"), label: Type.String(), url: Type.String(), clear: Type.Boolean() });

/** ntfy's message JSON (its server/types.go `message`), as POST /{name} and POST / answer. */
export const NtfyMessageSchema = Type.Object(
  {
    id: Type.String({ description: "the notification's id: GET /messages/{id} has its delivery status" }),
    time: Type.Integer({ description: "Unix time (seconds) it was accepted" }),
    expires: Type.Integer({ description: "Unix time until which its status is surely kept" }),
    event: Type.Literal("message"),
    topic: Type.String({ description: "the recipients as named" }),
    title: Type.Optional(Type.String()),
    message: Type.String(),
    priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    tags: Type.Optional(Type.Array(Type.String())),
    click: Type.Optional(Type.String()),
    actions: Type.Optional(Type.Array(NtfyAction)),
    content_type: Type.Optional(Type.Literal("text/markdown")),
  },
  { additionalProperties: false },
);

/** Gotify's message JSON (its model/message.go MessageExternal), as POST /message answers. */
export const GotifyMessageSchema = Type.Object(
  {
    id: Type.Integer({ description: "a number, as Gotify's ids are; the notification's own id is in extras[\"tgsignal::notification\"].id" }),
    appid: Type.Integer({ description: "the client's place among clients in the config, from 1" }),
    message: Type.String(),
    title: Type.String({ description: "as sent; an untitled message gets the client's id, as Gotify gives it the application's name" }),
    priority: Type.Integer(),
    extras: Type.Record(Type.String(), Type.Unknown()),
    date: Type.String({ description: "ISO 8601 time it was accepted" }),
  },
  { additionalProperties: false },
);

const NtfyError = Type.Object({ code: Type.Integer({ description: "ntfy's error code, e.g. 40101" }), http: Type.Integer(), error: Type.String() });
const GotifyError = Type.Object({ error: Type.String({ description: "the status text, e.g. Unauthorized" }), errorCode: Type.Integer(), errorDescription: Type.String() });

const NtfyPublishJson = Type.Object({
  topic: Type.String({ description: "a user or group from the config, or several as \"a,b\"" }),
  message: Type.Optional(Type.String({ description: 'the text; empty: "triggered", as in ntfy' })),
  title: Type.Optional(Type.String({ maxLength: 256 })),
  priority: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 5 }), Type.String()], { description: "1–2 silent, 3 normal, 4 and 5 urgent (❗, ‼️ before the title)" })),
  tags: Type.Optional(Type.Array(Type.String(), { description: "emoji short codes become emoji before the title; others a Tags: line" })),
  click: Type.Optional(Type.String({ description: "an http(s) link, shown as a button" })),
  markdown: Type.Optional(Type.Boolean()),
  actions: Type.Optional(Type.Array(Type.Unknown(), { description: "ntfy actions; view actions become link buttons, others are refused" })),
  delay: Type.Optional(Type.String({ description: "scheduled delivery: a duration (30m, 2h, \"1 day\") or a time (Unix seconds, RFC 3339, HH:MM in the bot's timezone), at most 30 days ahead" })),
  filename: Type.Optional(Type.String({ description: "in JSON, names the attach URL's file: refused with it (a file goes as the body of PUT /{name} with a Filename header)" })),
  attach: Type.Optional(Type.String({ description: "refused: tgsignal fetches no files by URL for callers" })),
  email: Type.Optional(Type.String({ description: "ignored, with an X-Tgsignal-Warning header" })),
  call: Type.Optional(Type.String({ description: "ignored, with an X-Tgsignal-Warning header" })),
  icon: Type.Optional(Type.String({ description: "ignored, with an X-Tgsignal-Warning header" })),
});

const GotifyMessageRequest = Type.Object({
  message: Type.String({ description: "the text (required)" }),
  title: Type.Optional(Type.String({ maxLength: 256 })),
  priority: Type.Optional(Type.Integer({ description: "0 silent; 8–9 urgent (❗), 10 and above ‼️; default 5" })),
  extras: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'JSON only: {"client::display":{"contentType":"text/markdown"}} for markdown, {"client::notification":{"click":{"url":"https://…"}}} for a link button' })),
});

const json = (schema: TSchema) => ({ "application/json": { schema } });

/** Error answers by status in a peer's shape, each listing the registry codes it may carry. */
function peerErrors(shape: "ntfy" | "gotify", codes: readonly ErrorCode[]): Record<string, unknown> {
  const statuses = [...new Set(codes.map((code) => ERRORS[code].status))];
  return Object.fromEntries(
    statuses.map((status) => {
      const list = codes.filter((code) => ERRORS[code].status === status);
      const description = list.map((code) => `\`${code}\`${shape === "ntfy" ? ` (ntfy ${ntfyErrorCode(code)})` : ""}: ${ERRORS[code].message}`).join("\n\n");
      return [String(status), { description, content: json(shape === "ntfy" ? NtfyError : GotifyError) }];
    }),
  );
}

const COMMON: readonly ErrorCode[] = ["bad_host", "body_incomplete", "unauthorized", "forbidden", "forbidden_recipient", "body_too_large", "rate_limited", "recipient_unreachable", "bot_disabled", "empty_group"];
const COMMON_TAIL: readonly ErrorCode[] = ["text_too_long", "idempotency_key_reused", "bad_idempotency_key", "internal", "storage_full"];
const NTFY_CODES: readonly ErrorCode[] = [...COMMON, "bad_json", "bad_body", "bad_field", "bad_title", "bad_priority", "bad_actions", "bad_buttons", "bad_template", "unsupported_feature", "missing_recipient", "bad_recipient", "unknown_recipient", ...COMMON_TAIL];
const GOTIFY_CODES: readonly ErrorCode[] = [...COMMON, "bad_json", "bad_body", "bad_field", "bad_text", "empty_text", "bad_title", "bad_priority", "bad_buttons", "unsupported_media_type", "no_recipients", "unknown_recipient", ...COMMON_TAIL];

const ntfyHeaders = Object.entries(NTFY_ALIASES).map(([name, aliases]) => ({
  name: aliases[0],
  in: "header",
  required: false,
  description: `ntfy's ${name}; also ${aliases.slice(1).join(", ")}, as headers or (lower case) query parameters`,
  schema: { type: "string" },
}));
const authParam = { name: "auth", in: "query", required: false, description: 'ntfy\'s ?auth=: base64 of "Bearer <token>" or "Basic base64(user:token)"', schema: { type: "string" } };
const ntfySecurity = [{ bearer: [] }, { basic: [] }, { ntfyAuth: [] }];

export function compatPaths(): Record<string, unknown> {
  const ntfyAnswer = { "200": { description: "accepted (durably queued); delivery status at GET /messages/{id}", content: json(NtfyMessageSchema) }, ...peerErrors("ntfy", NTFY_CODES) };
  const jsonPublish = { summary: "ntfy: publish as JSON", security: ntfySecurity, parameters: [...ntfyHeaders, authParam], requestBody: { required: true, content: json(NtfyPublishJson) }, responses: ntfyAnswer };
  const topicPublish = {
    summary: "ntfy: publish to a user or group; the body is the message",
    security: ntfySecurity,
    parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" }, description: 'a user or group, or "a,b"' }, ...ntfyHeaders, authParam],
    requestBody: { required: false, content: { "text/plain": { schema: { type: "string" } }, "text/markdown": { schema: { type: "string" } } } },
    responses: ntfyAnswer,
  };
  const gotify = {
    summary: "Gotify: create a message for the client's `to` recipients",
    security: [{ bearer: [] }, { gotifyKey: [] }, { gotifyToken: [] }],
    requestBody: { required: true, content: { ...json(GotifyMessageRequest), "application/x-www-form-urlencoded": { schema: Type.Omit(GotifyMessageRequest, ["extras"]) } } },
    responses: { "200": { description: "accepted (durably queued); delivery status at GET /messages/{id}", content: json(GotifyMessageSchema) }, ...peerErrors("gotify", GOTIFY_CODES) },
  };
  return { "/": { post: jsonPublish, put: jsonPublish }, "/{name}": { post: topicPublish, put: topicPublish }, "/message": { post: gotify } };
}

/** The ways the ntfy and Gotify routes take a token, besides Bearer. */
export const COMPAT_SECURITY_SCHEMES = {
  basic: { type: "http", scheme: "basic", description: "ntfy: the client token as the password, any user name" },
  ntfyAuth: { type: "apiKey", in: "query", name: "auth", description: 'ntfy: base64 of the Authorization header value ("Bearer <token>" or "Basic …")' },
  gotifyKey: { type: "apiKey", in: "header", name: "X-Gotify-Key" },
  gotifyToken: { type: "apiKey", in: "query", name: "token" },
};
