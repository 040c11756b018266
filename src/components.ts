// Adds the gateway's long-lived parts in start order. Each layer (bots and keys,
// outbox and delivery, notify routes) registers itself here.
import type { Gateway } from "./app.ts";

export async function addComponents(_gateway: Gateway): Promise<void> {
  // Filled by the inbound (keys, pollers) and outbound (outbox, delivery, notify) layers.
}
