// Inbound layer: key log + registry, per-bot pollers and handlers. (Filled in by the bot-side work.)
import type { Gateway } from "./app.ts";
import type { KeyLookup, KeyRecord } from "./keys/types.ts";
import type { BotClients } from "./telegram/bot-clients.ts";

export async function addInbound(_gateway: Gateway, _bots: BotClients): Promise<KeyLookup> {
  const none: KeyLookup = {
    lookup: (_key: string): KeyRecord | undefined => undefined,
    recordBlocked: async () => {},
    recordMigrated: async () => {},
  };
  return none;
}
