// Adds the gateway's long-lived parts in start order: per-bot clients (shared), the
// inbound layer (key log, pollers) and the outbound layer (outbox, delivery, notify).
import type { Gateway } from "./app.ts";
import { addInbound } from "./inbound.ts";
import { addOutbound } from "./outbound.ts";
import { BotClients } from "./telegram/bot-clients.ts";

export async function addComponents(gateway: Gateway): Promise<void> {
  const { deps, store, metrics } = gateway;
  const bots = new BotClients({ platform: deps.platform, clock: deps.clock, metrics });
  bots.apply(store.current);
  // Subscribed first, so later layers see the new clients when they react to a reload.
  store.subscribe((next) => bots.apply(next));
  const keys = await addInbound(gateway, bots);
  await addOutbound(gateway, bots, keys);
}
