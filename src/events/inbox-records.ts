// The inbox.log line format (snake_case, readable with jq) and its decoding:
//   {"t":"event","event":{...},"source":{...},"file_ids":[...]}  one event, exactly as served
//   {"t":"mark","last_id":"1042"}                                 the newest id ever given
// A compacted file starts with a mark, so ids keep growing after the newest events expire.
// `jq -c 'select(.t == "event") | .event' inbox.log` prints the events.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import type { LineDecoder } from "../storage/append-log.ts";
import { describeError } from "../lib/schema-messages.ts";
import { InboxEventSchema } from "./event-schema.ts";
import type { EventDraft, InboxEvent } from "./types.ts";

export const EventLine = Type.Object({
  t: Type.Literal("event"),
  event: InboxEventSchema,
  /** Which update made it (a replayed update makes no second event): the bot's config id and Telegram ids. */
  source: Type.Object({ bot: Type.String(), bot_id: Type.Integer(), update_id: Type.Integer() }),
  /** Telegram's file ids behind `event.files`, in the same order. */
  file_ids: Type.Array(Type.String()),
  /** A press on a keep_buttons notification: it did not take the message's one decision. */
  repeatable: Type.Optional(Type.Literal(true)),
});

export const MarkLine = Type.Object({
  t: Type.Literal("mark"),
  last_id: Type.String({ pattern: "^(0|[1-9][0-9]*)$" }),
});

// Compiled once: a line is checked in about 0.15 µs instead of 3 µs (Value.Check), which
// is most of a start with 100,000 events kept. Value.Errors words a refusal.
const eventLineCheck = TypeCompiler.Compile(EventLine);
const markLineCheck = TypeCompiler.Compile(MarkLine);

export type EventLine = Static<typeof EventLine>;
export type MarkLine = Static<typeof MarkLine>;
export type InboxLine = EventLine | MarkLine;

/** What a damaged middle line of inbox.log stops the start with. */
export const INBOX_DAMAGED = { code: "inbox_damaged" };

/**
 * A parsed line as a record, or what is wrong with it: every field the inbox, GET /events
 * and the file route rely on is checked by TypeBox, so a hand edit is reported with its
 * line number at start, never a TypeError while serving.
 */
export const decodeInboxLine: LineDecoder<InboxLine> = (value) => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const t = (value as { t?: unknown }).t;
  if (t === "mark") return markLineCheck.Check(value) ? value : `bad mark record (${firstProblem(MarkLine, value)})`;
  if (t !== "event") return `not an "event" or "mark" record`;
  if (!eventLineCheck.Check(value)) return `bad event record (${firstProblem(EventLine, value)})`;
  const line = value as EventLine;
  if (line.file_ids.length !== line.event.files.length) return `"file_ids" must have one id per entry of "event.files"`;
  if (Number.isNaN(Date.parse(line.event.at))) return `bad "event.at": not a time`;
  return line;
};

/** Where the first problem is, and what: `/event/chat_id: expected a whole number, got "x"`. */
function firstProblem(schema: TSchema, value: unknown): string {
  const error = Value.Errors(schema, value).First();
  if (!error) return "invalid";
  return `${error.path || "/"}: ${error.value === undefined ? "missing" : describeError(error)}`;
}

/** The line for a new event: the event as it is served (fields in the documented order, file URLs from its id). */
export function eventLineOf(id: string, draft: EventDraft): EventLine {
  const e = draft.event;
  const event: InboxEvent = {
    id,
    type: e.type,
    at: e.at,
    bot: e.bot,
    user: e.user,
    key: e.key,
    chat_id: e.chat_id,
    message_id: e.message_id,
    from: { id: e.from.id, username: e.from.username, name: e.from.name },
    text: e.text,
    command: e.command,
    args: e.args,
    reply_to: e.reply_to && { notification: e.reply_to.notification, message_id: e.reply_to.message_id },
    files: draft.files.map((file, n) => ({ name: file.name, mime: file.mime, size: file.size, url: `/events/${id}/files/${n}` })),
  };
  if (e.data !== undefined) event.data = e.data;
  if (e.button !== undefined) event.button = e.button;
  if (e.notification !== undefined) event.notification = e.notification;
  const source = { bot: draft.source.bot, bot_id: draft.source.telegramBotId, update_id: draft.source.updateId };
  return { t: "event", event, source, file_ids: draft.files.map((file) => file.fileId) };
}

/** A cursor: "0" or an event id, as a number. Callers check the format first (GET /events answers 400). */
export function parseId(id: string): bigint {
  if (!/^[0-9]{1,30}$/.test(id)) throw new RangeError(`not an event id: ${JSON.stringify(id.slice(0, 40))}`);
  return BigInt(id);
}
