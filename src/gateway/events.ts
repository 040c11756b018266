// Events from people: the durable inbox (data_dir/inbox.log), GET /events and the file
// route, and their metrics. Added before the inbound layer, which records into the inbox,
// so it is stopped after it: the pollers are gone before the inbox closes. The retention
// applies live on reload; data_dir is bound at start.
import type { Component, Gateway } from "./app.ts";
import { Inbox } from "../events/inbox.ts";
import type { InboxStore } from "../events/types.ts";
import { Authenticator } from "../http/auth.ts";
import { addEventFileRoute } from "../http/event-files.ts";
import { addEventsRoutes, type EventsRoutes } from "../http/events.ts";
import type { BotClients } from "../telegram/bot-clients.ts";

export async function addEvents(gateway: Gateway, bots: BotClients): Promise<InboxStore> {
  const { deps, store, router, metrics } = gateway;
  const recorded = metrics.counter("tgsignal_events_total", "Events from people recorded, by bot and type (message, button).");
  const inbox = await Inbox.open({
    platform: deps.platform,
    clock: deps.clock,
    log: deps.log.child({ component: "inbox" }),
    dataDir: store.current.dataDir,
    retentionMs: () => store.current.eventsRetentionMs,
    onRecorded: (event) => recorded.inc({ bot: event.bot, type: event.type }),
  });
  const draining = new AbortController();
  const auth = new Authenticator(deps.clock);
  const routes = addEventsRoutes({ router, store, inbox, auth, clock: deps.clock, draining: draining.signal });
  addEventFileRoute({ router, store, inbox, auth, botApi: (bot) => bots.get(bot)?.api });
  registerMetrics(gateway, inbox, routes);
  gateway.components.push(eventsComponent(gateway, inbox, draining));
  return inbox;
}

function registerMetrics({ metrics }: Gateway, inbox: Inbox, routes: EventsRoutes): void {
  metrics.gauge("tgsignal_events_waiters", "GET /events requests long-polling now.").collect(() => [[undefined, routes.waiting()]]);
  metrics.gauge("tgsignal_inbox_events", "Events kept in the inbox (events_retention).").collect(() => [[undefined, inbox.size]]);
}

function eventsComponent({ deps }: Gateway, inbox: Inbox, draining: AbortController): Component {
  let offSignals: Array<() => void> = [];
  return {
    name: "events",
    async start() {
      // SIGTERM/SIGINT: long polls answer at once, so the server's graceful stop is not
      // held up for their `wait` (up to 60 s).
      offSignals = (["SIGTERM", "SIGINT"] as const).map((signal) => deps.platform.onSignal(signal, () => draining.abort()));
    },
    async stop() {
      for (const off of offSignals) off();
      draining.abort();
      await inbox.close();
    },
  };
}
