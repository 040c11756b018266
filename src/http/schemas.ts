// What requests may contain, as TypeBox schemas: the one definition requests are checked
// against (fields.ts, by TypeBox itself) and /openapi.json is generated from, so no limit,
// default or enumeration is written twice. Routes to come (attachments, scheduling) add
// their schemas beside these. `at` and `delay` are read further by delivery/when.ts.
import { Type } from "@sinclair/typebox";
import { FORMATS, type Format } from "../delivery/format.ts";
import { MAX_BUTTONS, MAX_BUTTONS_PER_ROW } from "../delivery/keyboard.ts";
import { MAX_FILES } from "../delivery/media.ts";
import { KEY_STATUSES } from "../keys/types.ts";
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

const Text = (description: string) => Type.String({ description, ...codes("bad_text", "empty_text") });
const FormatField = Type.Union(FORMATS.map((format) => Type.Literal(format)), { default: DEFAULT_FORMAT, description: "text, html (Telegram HTML) or markdown (a safe subset)", ...codes("bad_format") });
const Title = Type.String({ maxLength: 256, description: "shown bold above the text", ...codes("bad_title") });
const Wait = (what: string) =>
  Type.Number({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: DEFAULT_WAIT_SECONDS, description: `seconds to wait for ${what} before answering; 0 = answer once queued`, ...codes("bad_wait") });

/** A button's label: what Telegram shows (clients cut long ones short). */
export const MAX_LABEL_LENGTH = 64;
/** A data button's data: kept by the gateway (Telegram gets a short handle) and put in the button event. */
export const MAX_BUTTON_DATA_LENGTH = 256;
/** A URL button's link. */
export const MAX_BUTTON_URL_LENGTH = 2048;

const Label = Type.String({ minLength: 1, maxLength: MAX_LABEL_LENGTH, pattern: "\\S", description: "a label with some visible text" });

/** A button whose press becomes a `button` event carrying its data. */
export const DataButton = Type.Object(
  { text: Label, data: Type.String({ minLength: 1, maxLength: MAX_BUTTON_DATA_LENGTH, description: "put in the button event when pressed" }) },
  { additionalProperties: false, description: "a press becomes a button event" },
);

/** A button that opens a link. */
export const UrlButton = Type.Object(
  { text: Label, url: Type.String({ maxLength: MAX_BUTTON_URL_LENGTH, pattern: "^[Hh][Tt][Tt][Pp][Ss]?://", description: "an http:// or https:// URL" }) },
  { additionalProperties: false, description: "opens the link" },
);

const ButtonItem = Type.Union([DataButton, UrlButton]);
const ButtonRow = Type.Array(ButtonItem, { minItems: 1, maxItems: MAX_BUTTONS_PER_ROW });

/** `buttons`: rows of buttons, or a flat list (one row); in a form or query string, the same as JSON text. */
export const Buttons = Type.Union([Type.Array(ButtonRow, { maxItems: MAX_BUTTONS }), Type.Array(ButtonItem, { maxItems: MAX_BUTTONS_PER_ROW })], {
  description: `rows of buttons under the message (a flat list is one row): at most ${MAX_BUTTONS_PER_ROW} per row and ${MAX_BUTTONS} in all; in a form, JSON text`,
  ...codes("bad_buttons"),
});

/** `button`: the curl spelling, repeated. */
export const ButtonLines = Type.Union([Type.String(), Type.Array(Type.String())], {
  description: 'form and query spelling of buttons, repeated in order: "Label|data" or "Label|https://…"; an empty one starts a new row',
  ...codes("bad_buttons"),
});

/** One base64 file of `attachments` (JSON bodies; multipart carries big files better). */
export const Attachment = Type.Object(
  {
    name: Type.String({ maxLength: 1024, description: "the file name the person sees (any letters; paths and control characters are dropped)" }),
    data: Type.String({ description: "the bytes, base64 (line breaks allowed, as 1C's Base64Строка writes them)" }),
    mime: Type.Optional(Type.String({ maxLength: 255, description: "the MIME type; default: from the bytes or the name" })),
  },
  { additionalProperties: false },
);

export const Attachments = Type.Array(Attachment, {
  maxItems: MAX_FILES,
  description: `files, sent as one message (one file) or one album (2–${MAX_FILES}); text becomes their caption`,
  ...codes("bad_attachments"),
});

/** `as`: how files go; "document" keeps images as sent instead of showing them as photos. */
export const AsField = Type.Union([Type.Literal("auto"), Type.Literal("document")], {
  default: "auto",
  description: "auto: JPEG, PNG and WebP images Telegram takes as photos go as photos, everything else as documents; document: everything as a document",
});

/** POST /notify; /notify/{to} takes the same fields, with `to` from the path. */
export const NotifyRequest = Type.Object(
  {
    to: Type.Optional(Names),
    // Required unless the notification carries files (checked in notify.ts).
    text: Type.Optional(Text("the message; longer than 4096 characters is split into several messages; with files, their caption (1024 characters) or a message before them")),
    format: Type.Optional(FormatField),
    title: Type.Optional(Title),
    silent: Type.Optional(Type.Boolean({ default: false, description: "deliver without sound (disable_notification)", ...codes("bad_silent") })),
    bot: Type.Optional(Type.String({ description: "use only the recipients' keys of this bot", ...codes("bad_bot") })),
    topic: Type.Optional(Type.Integer({ minimum: 1, description: "forum topic (message_thread_id) in group chats", ...codes("bad_topic") })),
    wait: Type.Optional(Wait("delivery")),
    buttons: Type.Optional(Buttons),
    button: Type.Optional(ButtonLines),
    keep_buttons: Type.Optional(Type.Boolean({ default: false, description: "the buttons stay after a press (default: the first press decides, and they go)", ...codes("bad_keep_buttons") })),
    reply_to: Type.Optional(
      Type.String({ pattern: "^[0-9]{1,20}$", description: "an event id: answer it in its chat, as a Telegram reply to the person's message (instead of to)", ...codes("bad_reply_to") }),
    ),
    at: Type.Optional(
      Type.Union([Type.String(), Type.Number()], {
        description:
          'send at this time (at most 30 days ahead; a time past is sent at once): RFC 3339 with Z or an offset ("2026-11-25T09:00:00+03:00"), a Unix time in seconds, or "HH:MM" for the next such time in the bot\'s timezone',
        ...codes("bad_at"),
      }),
    ),
    delay: Type.Optional(Type.String({ description: 'send this long from now (at most 30 days): "90s", "30m", "2h", "1d"; give at or delay, not both', ...codes("bad_delay") })),
    attachments: Type.Optional(Attachments),
    as: Type.Optional(AsField),
  },
  { additionalProperties: false },
);

/** PATCH /messages/{id}: what to change in every recipient's message. */
export const EditRequest = Type.Object(
  {
    text: Type.Optional(Text("the new text (one message at most); without it, only the buttons change")),
    format: Type.Optional(FormatField),
    title: Type.Optional(Title),
    buttons: Type.Optional(Buttons),
    button: Type.Optional(ButtonLines),
    wait: Type.Optional(Wait("the edit")),
  },
  { additionalProperties: false },
);

/** The body (or query string) of POST /notify/{to}. */
export const NotifyToRequest = Type.Omit(NotifyRequest, ["to"]);

const FilePart = Type.Array(Type.String({ format: "binary", contentMediaType: "application/octet-stream" }), {
  maxItems: MAX_FILES,
  description: `files: every part with a filename is a file, whatever its field name (curl -F file=@invoice.pdf); at most ${MAX_FILES}, together within upload_limit`,
});

/** multipart/form-data to /notify: the fields as parts, and file parts (attachments belong to JSON bodies). */
export const NotifyMultipart = Type.Composite([Type.Omit(NotifyRequest, ["attachments"]), Type.Object({ file: Type.Optional(FilePart) })], { additionalProperties: false });

/** multipart/form-data to /notify/{to}. */
export const NotifyToMultipart = Type.Omit(NotifyMultipart, ["to"]);

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

/** The query string of DELETE /messages/{id}. */
export const DeleteQuery = Type.Object({ wait: Type.Optional(Wait("the deletion")) }, { additionalProperties: false });

/** The query string of GET /keys (admin). */
export const KeysQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(KEY_STATUSES.map((status) => Type.Literal(status)), { description: "only keys with this status" })),
    bot: Type.Optional(Type.String({ description: "only keys this bot issued (a bot id from the config, or one keys.log still names)", ...codes("bad_bot") })),
  },
  { additionalProperties: false },
);

/** One key as GET /keys and POST /keys/{key}/revoke show it (also `tgsignal keys --json`). */
export const KeyInfoSchema = Type.Object({
  key: Type.String({ description: "8 digits" }),
  status: Type.Union(KEY_STATUSES.map((status) => Type.Literal(status)), { description: "active; revoked (by the person's /stop or the admin); blocked (the person blocked the bot, or the chat is gone)" }),
  bot: Type.String({ description: "the bot that issued it" }),
  chat_id: Type.Integer(),
  chat_type: Type.Union(["private", "group", "supergroup", "channel"].map((type) => Type.Literal(type))),
  username: Type.Union([Type.String(), Type.Null()], { description: "the asker's @username, without @" }),
  name: Type.Union([Type.String(), Type.Null()], { description: "the person's name, or the group's title" }),
  user: Type.Union([Type.String(), Type.Null()], { description: "the user the key is assigned to in the config; null: unassigned" }),
  issued_at: Type.String({ description: "ISO 8601 time of the first issue" }),
  requested_by: Type.Optional(Type.Integer({ description: "the asker's Telegram user id (absent in records written before it was kept)" })),
  revoked_by: Type.Optional(Type.Union([Type.Literal("user"), Type.Literal("admin")], { description: "who revoked it (status revoked)" })),
});

export const KeysResponse = Type.Object({
  keys: Type.Array(KeyInfoSchema, { description: "unassigned active keys first, then assigned ones, then blocked and revoked; newest first within" }),
});

export const RevokeResponse = Type.Object({
  revoked: Type.Boolean({ description: "true: revoked now; false: it was revoked already (nothing changed)" }),
  told: Type.Boolean({ description: "the key_revoked text is queued to the person (false: the key was blocked or already revoked, or its bot is disabled)" }),
  key: KeyInfoSchema,
});

/** A problem in the config file, where it is. */
export const ConfigIssueSchema = Type.Object({
  file: Type.String(),
  line: Type.Integer(),
  col: Type.Integer(),
  message: Type.String(),
});

export const ReloadResponse = Type.Object({
  reloaded: Type.Boolean({ description: "true: the new config is in force; false: the file is unchanged since the last load" }),
  file: Type.String({ description: "the config file" }),
  warnings: Type.Array(ConfigIssueSchema, { description: "warnings of the config in force (e.g. an empty group)" }),
});

/** The 422 of POST /reload: the registry's error shape, with each problem's position. */
export const ReloadRejected = Type.Object({
  error: Type.Object({
    code: Type.Literal("config_invalid"),
    message: Type.String(),
    issues: Type.Array(ConfigIssueSchema, { description: "every error found (the first 100), in file order" }),
  }),
});
