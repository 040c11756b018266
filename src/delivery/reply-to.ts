// `reply_to: "<event id>"`: the notification goes to the chat the event came from, as a
// Telegram reply to the person's message (for a button event: to our message whose
// button was pressed). Only a client that may read the event may answer it: one with
// `receive` (or the local caller when no clients are configured) whose `allow` covers
// the person. Any other id is "unknown", so nobody learns whether a foreign event exists.
import type { Config } from "../config/types.ts";
import type { StoredEvent } from "../events/types.ts";
import type { KeyLookup } from "../keys/types.ts";
import { RequestError } from "../lib/errors.ts";
import { eventReaders } from "../config/readers.ts";
import { mayRead } from "../events/access.ts";
import { unusableKeyReason } from "./recipients.ts";
import type { RecipientState } from "./types.ts";

/** The inbox as the notifier reads it. */
export interface EventLookup {
  get(id: string): StoredEvent | undefined;
}

/** No inbox (e.g. `tgsignal send`): every event id is unknown. */
export const NO_EVENTS: EventLookup = { get: () => undefined };

export interface ReplyOptions {
  config: Config;
  keys: KeyLookup;
  events: EventLookup;
  eventId: string;
  caller: { id: string; allow: readonly string[] | null };
  /** `bot`, if the request gave one: it must be the event's. */
  bot?: string;
}

/** The one recipient of a reply; queued, or already failed if the person revoked or blocked the key. */
export function resolveReply(options: ReplyOptions): RecipientState {
  const { config, caller } = options;
  const stored = options.events.get(options.eventId);
  const readers = eventReaders(config, caller.id);
  if (!stored || readers === undefined || !mayRead(readers, stored.event))
    throw new RequestError(
      "unknown_event",
      `no event "${options.eventId}" that client "${caller.id}" may read; a client answers events of people inside its allow, and needs receive: true (events are kept for events_retention)`,
    );
  const { event } = stored;
  if (options.bot !== undefined && options.bot !== event.bot)
    throw new RequestError("bad_bot", `reply_to answers in the event's chat, through bot "${event.bot}"; leave out "bot" or give that one`);
  const bot = config.bots.get(event.bot);
  if (!bot || !bot.enabled)
    throw new RequestError("recipient_unreachable", `event "${event.id}" came through bot "${event.bot}", which is ${bot ? "disabled" : "no longer in the config"}`);
  const user = config.keyOwners.get(event.key);
  if (user === undefined)
    throw new RequestError("recipient_unreachable", `the key ${event.key} of event "${event.id}" is no longer assigned to anyone in users; the admin must put it back to answer`);
  const recipient: RecipientState = {
    user,
    key: event.key,
    bot: event.bot,
    chatId: event.chat_id,
    replyToMessageId: event.message_id,
    status: "queued",
    next: 0,
    messageIds: [],
    attempts: 0,
  };
  const unusable = unusableKeyReason(options.keys.lookup(event.key));
  if (unusable) {
    recipient.status = "failed";
    recipient.reason = unusable;
  }
  return recipient;
}
