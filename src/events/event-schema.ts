// The event JSON as a TypeBox schema: inbox.log lines are checked against it at replay
// (by TypeBox itself), and /openapi.json describes GET /events with it. It must stay the
// InboxEvent interface of types.ts: the assignments at the bottom fail to compile if the
// two drift apart.
import { Type, type Static } from "@sinclair/typebox";
import type { EventFile, InboxEvent } from "./types.ts";

const Id = Type.String({ pattern: "^[1-9][0-9]*$", description: "a decimal number that only grows; compare as numbers" });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const EventFileSchema = Type.Object({
  name: Type.String({ description: 'the file name the person sent ("photo.jpg" for photos)' }),
  mime: Type.String({ description: 'MIME type ("image/jpeg" for photos)' }),
  size: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: "bytes, when Telegram said" }),
  url: Type.String({ description: "/events/{id}/files/{n}: the bytes, streamed through the gateway" }),
});

export const InboxEventSchema = Type.Object({
  id: Id,
  type: Type.Union([Type.Literal("message"), Type.Literal("button")]),
  at: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$", description: "ISO 8601 time the gateway received the update" }),
  bot: Type.String({ description: "the bot's id in the config" }),
  user: Type.String({ description: "the name the person's key is assigned to in users" }),
  key: Type.String(),
  chat_id: Type.Integer(),
  message_id: Type.Integer({ description: "message: the person's message; button: our message whose button was pressed" }),
  from: Type.Object({ id: Type.Integer(), username: Nullable(Type.String()), name: Type.String() }),
  text: Nullable(Type.String({ description: "the text or a file's caption; for a command, the whole text" })),
  command: Nullable(Type.String({ description: '"/tasks 42" → "tasks"' })),
  args: Nullable(Type.String({ description: '"/tasks 42" → "42"' })),
  reply_to: Type.Union([Type.Object({ notification: Type.String(), message_id: Type.Integer() }), Type.Null()], {
    description: "the person replied to one of our notifications",
  }),
  files: Type.Array(EventFileSchema),
  data: Type.Optional(Type.String({ description: "button events: the data the notification set" })),
  button: Type.Optional(Type.String({ description: "button events: the button's label" })),
  notification: Type.Optional(Type.String({ description: "button events: the notification whose button was pressed" })),
});

// Compile-time: the schema's type and the interface are the same shape, both ways.
const _toInterface = (event: Static<typeof InboxEventSchema>): InboxEvent => event;
const _toSchema = (event: InboxEvent): Static<typeof InboxEventSchema> => event;
const _file = (file: Static<typeof EventFileSchema>): EventFile => file;
void [_toInterface, _toSchema, _file];
