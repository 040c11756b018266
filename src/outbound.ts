// Outbound layer: outbox, delivery worker, notify routes. (Filled in by the notify work.)
import type { Gateway } from "./app.ts";
import type { KeyLookup } from "./keys/types.ts";
import type { BotClients } from "./telegram/bot-clients.ts";

export async function addOutbound(_gateway: Gateway, _bots: BotClients, _keys: KeyLookup): Promise<void> {}
