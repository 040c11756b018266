// The config file's shape, as TypeBox schemas: the loader walks the YAML tree against
// these (so every error has a position). The walker enforces every keyword used here and
// refuses a schema with one it cannot enforce (walk.ts, assertWalkable).
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { TEXT_NAMES } from "./texts.ts";

// String first: a key is read as written (048213977 is a 9-digit typo, not 48213977).
const Key = Type.Union([Type.String(), Type.Integer()], {
  description: "an 8-digit key the bot issued, e.g. 48213977",
});

const strictObject = <T extends Record<string, TSchema>>(props: T, description: string) =>
  Type.Object(props, { additionalProperties: false, description });

export const ClientSchema = strictObject(
  {
    token: Type.String({ description: "bearer token, at least 16 characters; use ${VAR} to keep it out of the file" }),
    allow: Type.Optional(Type.Array(Type.String(), { description: "users and groups this client may notify (default: all)" })),
    to: Type.Optional(Type.Array(Type.String(), { description: "users and groups its Gotify messages go to (Gotify's API has no recipient field)" })),
    receive: Type.Optional(Type.Boolean({ description: "may read events from people (GET /events, files, reply_to); default false" })),
    admin: Type.Optional(Type.Boolean({ description: "may use the admin API (GET /keys, POST /keys/{key}/revoke, POST /reload); default false" })),
    webhook: Type.Optional(
      strictObject(
        {
          url: Type.String({ description: "where each event is POSTed as JSON (http or https)" }),
          secret: Type.String({ description: "HMAC-SHA256 key for X-Tgsignal-Signature, at least 16 characters; use ${VAR}" }),
        },
        "push events to this URL (implies receive: true)",
      ),
    ),
    rate_limit: Type.Optional(
      strictObject(
        {
          per_second: Type.Number({ exclusiveMinimum: 0, description: "sustained requests per second" }),
          burst: Type.Optional(Type.Integer({ minimum: 1, description: "requests allowed at once (default: 2 × per_second)" })),
        },
        "token bucket for this client's requests (default: unlimited)",
      ),
    ),
  },
  "an API client allowed to call the notify endpoint",
);

export const TextsSchema = strictObject(
  Object.fromEntries(TEXT_NAMES.map((name) => [name, Type.Optional(Type.String({ minLength: 1 }))])),
  "reply texts; placeholders: {key} {name} {bot} {title} {phrase}",
);

export const AccessSchema = Type.Union(
  [
    Type.Literal("open"),
    strictObject(
      {
        allow: Type.Optional(
          Type.Array(Type.Union([Type.Integer(), Type.String()]), {
            description: "Telegram user ids and @usernames who may get a key",
          }),
        ),
        passphrase: Type.Optional(Type.String({ minLength: 1, description: "the person sends /key <passphrase>" })),
      },
      "who may get a key",
    ),
  ],
  { description: '"open" (anyone), or {allow: [...]} and/or {passphrase: ...}' },
);

export const BotSchema = strictObject(
  {
    title: Type.Optional(Type.String({ description: "display name (default: the bot id)" })),
    token: Type.String({ description: "the token from @BotFather, e.g. ${TELEGRAM_BOT_TOKEN}" }),
    enabled: Type.Optional(Type.Boolean({ description: "default true; false stops polling and sending" })),
    poll: Type.Optional(Type.String({ description: 'croner pattern for polling windows (default "* * * * *")' })),
    timezone: Type.Optional(Type.String({ description: "IANA time zone for the poll pattern (default: the host's)" })),
    language: Type.Optional(
      Type.Union([Type.Literal("ru"), Type.Literal("en"), Type.Literal("auto")], {
        description: "reply language; auto = the person's Telegram language (default auto)",
      }),
    ),
    api_url: Type.Optional(Type.String({ description: "Bot API server (default https://api.telegram.org)" })),
    proxy: Type.Optional(Type.String({ description: "HTTP(S) proxy URL for this bot's Bot API calls" })),
    key_phrases: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "texts that ask for a key besides /key" })),
    texts: Type.Optional(TextsSchema),
    access: Type.Optional(AccessSchema),
    commands: Type.Optional(
      Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 256 }), {
        description: "extra /commands for the bot's menu: name → description; /tasks 42 becomes an event",
      }),
    ),
  },
  "a Telegram bot",
);

export const ConfigSchema = strictObject(
  {
    listen: Type.Optional(Type.String({ description: "host:port of the HTTP endpoint (default 127.0.0.1:8787)" })),
    data_dir: Type.Optional(Type.String({ description: "state directory, relative to this file (default ./data)" })),
    body_limit: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.String()], { description: "max request body, e.g. 1MiB (default)" }),
    ),
    upload_limit: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.String()], {
        description: "max size of the files one request carries, e.g. 50MiB (default: Telegram's limit for bots' uploads)",
      }),
    ),
    events_retention: Type.Optional(Type.String({ description: "how long events from people are kept, e.g. 7d (default), 36h, 90m" })),
    clients: Type.Optional(Type.Record(Type.String(), ClientSchema)),
    bots: Type.Optional(Type.Record(Type.String(), BotSchema)),
    users: Type.Optional(Type.Record(Type.String(), Type.Union([Key, Type.Array(Key)], { description: "a key or a list of keys" }))),
    groups: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
  },
  "tgsignal config",
);

export type RawConfig = Static<typeof ConfigSchema>;
export type RawBot = Static<typeof BotSchema>;
export type RawClient = Static<typeof ClientSchema>;
