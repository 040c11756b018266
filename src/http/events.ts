// GET /events?after=ID&wait=S&limit=N: what people wrote, in the event JSON shape, for
// clients that may read it. Like the Bot API's getUpdates offset, the caller keeps its
// cursor (the last id it handled). With `wait`, the request long-polls: it sleeps in the
// inbox's one set of waiters until an event it may see is durable, `wait` runs out, the
// client goes away, or the gateway drains (SIGTERM answers at once). One timer per
// request (the clock's sleep for `wait`); nothing scans the log while it waits.
import type { ConfigStore } from "../config/store.ts";
import type { Config } from "../config/types.ts";
import type { Caller } from "../delivery/notifier.ts";
import type { Readers } from "../events/access.ts";
import { eventReaders } from "../config/readers.ts";
import type { InboxEvent, InboxStore } from "../events/types.ts";
import type { Clock } from "../lib/clock.ts";
import type { Authenticator } from "./auth.ts";
import { queryFields } from "./body.ts";
import { httpError } from "./errors.ts";
import { checkFields, checkKnownFields, normalizeFields } from "./fields.ts";
import type { RequestContext, Router } from "./router.ts";
import { DEFAULT_EVENTS_LIMIT, EventsQuery } from "./schemas.ts";

export interface EventsRoutesOptions {
  router: Router;
  store: ConfigStore;
  inbox: InboxStore;
  auth: Authenticator;
  clock: Clock;
  /** Aborted on shutdown: long polls answer at once with what they have. */
  draining: AbortSignal;
}

export interface EventsRoutes {
  /** GET /events requests long-polling now. */
  waiting(): number;
}

export function addEventsRoutes(options: EventsRoutesOptions): EventsRoutes {
  const state = { waiting: 0 };
  options.router.add("GET", "/events", (req, ctx) => handleEvents(options, state, req, ctx));
  return { waiting: () => state.waiting };
}

async function handleEvents(options: EventsRoutesOptions, state: { waiting: number }, req: Request, ctx: RequestContext): Promise<Response> {
  const config = options.store.current;
  const readers = readersFor(config, options.auth.authenticate(req, ctx, config));
  const fields = queryFields(ctx.url);
  checkKnownFields(EventsQuery, fields, "query string");
  const query = checkFields(EventsQuery, normalizeFields(EventsQuery, fields));
  const limit = query.limit ?? DEFAULT_EVENTS_LIMIT;
  const filter = readers === null ? undefined : (event: InboxEvent) => readers.has(event.user);
  let page = options.inbox.read(query.after ?? "0", limit, filter);
  if (page.events.length > 0 || !query.wait || options.draining.aborted) return eventsResponse(page.events);
  const done = new AbortController();
  const signal = AbortSignal.any([done.signal, options.draining, req.signal]);
  options.clock.sleep(query.wait * 1000, signal).then(() => done.abort(), () => {});
  state.waiting++;
  try {
    // Woken by any new event: one this client may not see leaves the page empty, so it
    // waits on from where the inbox looked (page.until), never answering empty early.
    while (page.events.length === 0 && !signal.aborted) {
      await options.inbox.waitForNewer(page.until, signal);
      page = options.inbox.read(page.until, limit, filter);
    }
  } finally {
    state.waiting--;
    done.abort();
  }
  return eventsResponse(page.events);
}

function eventsResponse(events: InboxEvent[]): Response {
  return Response.json({ events }, { headers: { "Cache-Control": "no-store" } });
}

/**
 * Whose events the caller may read, or 403 forbidden_events for a client without
 * `receive` (a webhook implies it). With no clients configured, the local caller (the
 * only one authenticate lets through then) reads everything.
 */
export function readersFor(config: Config, caller: Caller): Readers {
  const readers = eventReaders(config, caller.id);
  if (readers === undefined)
    throw httpError("forbidden_events", `client "${caller.id}" may not read events; set clients.${caller.id}.receive: true in the config (a webhook implies it)`);
  return readers;
}
