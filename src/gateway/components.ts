// Adds the gateway's long-lived parts in start order: per-bot clients (shared), the
// events inbox (inbox.log, GET /events), the inbound layer (key log, pollers), the
// outbound layer (outbox, delivery, notify) and the admin API over both.
import type { Gateway } from "./app.ts";
import { addAdmin } from "./admin.ts";
import { addEvents } from "./events.ts";
import { addInbound } from "./inbound.ts";
import { addOutbound } from "./outbound.ts";
import { addWebhooks } from "./webhooks.ts";
import type { OutboxStore } from "../delivery/outbox.ts";
import type { NotificationLookup } from "../inbound/notifications.ts";
import { BotClients } from "../telegram/bot-clients.ts";
import { transportTiming, type TransportTiming } from "../telegram/timing.ts";

export async function addComponents(gateway: Gateway): Promise<void> {
  const { deps, store, metrics } = gateway;
  const bots = new BotClients({ platform: deps.platform, clock: deps.clock, metrics, timing: timingFor(gateway) });
  bots.apply(store.current);
  // Subscribed first, so later layers see the new clients when they react to a reload.
  store.subscribe((next) => bots.apply(next));
  // Before the inbound layer, which records into it (and so stops before it closes).
  const inbox = await addEvents(gateway, bots);
  // After the inbox's component (replayed before pushers start; pushers stop before it closes).
  addWebhooks(gateway, inbox, { scale: bots.timing.secondMs / 1000 });
  // The outbox opens after the key registry it resolves recipients with; the conversation
  // asks it about notifications only once updates flow (after every component started).
  let outbox: OutboxStore | undefined;
  const notifications: NotificationLookup = {
    get: (id) => outbox?.get(id),
    findByMessage: (bot, chatId, messageId) => outbox?.findByMessage(bot, chatId, messageId)?.id,
  };
  const inbound = await addInbound(gateway, bots, { inbox, notifications });
  // The admin routes go in before the outbound layer's: a route that takes any name in
  // its path must not shadow /keys or /reload.
  addAdmin(gateway, inbound);
  const outbound = await addOutbound(gateway, bots, inbound.keys, inbox);
  outbox = outbound.outbox;
  // A key revoked (the person's /stop, the admin) stops deliveries waiting to go to it.
  inbound.keys.onRevoked((key) => outbound.worker.keyRevoked(key));
}

/**
 * Telegram's timing; or, for tests against the fake Bot API only, the same policy run
 * faster: TGSIGNAL_TIME_SCALE=0.1 makes Telegram's second last 100 ms (rate limits,
 * backoff, retry_after). Never set it against the real Telegram: it would draw 429s.
 */
function timingFor({ deps }: Gateway): TransportTiming | undefined {
  const scale = Number(deps.env.TGSIGNAL_TIME_SCALE);
  if (!(scale > 0 && scale < 1)) return undefined;
  deps.log.warn("TGSIGNAL_TIME_SCALE: Telegram's timing runs faster (for tests only)", { scale });
  return transportTiming(scale);
}
