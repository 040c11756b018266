// DESIGN "Who may read": a client reads events (pulled, pushed, files, reply_to) only with
// `receive: true` (a webhook implies it), and only those of people inside its `allow`
// (groups flattened). With no clients configured, the local caller reads everything.
// One answer for GET /events, the file route, reply_to and the webhooks, computed once per
// config and client (a config is immutable; a reload makes a new one).
import { readersOf, type Readers } from "../events/access.ts";
import type { Config } from "./types.ts";

const cache = new WeakMap<Config, Map<string, Readers | undefined>>();

/** Whose events `clientId` may read: null = everyone's; undefined = none (no `receive`). */
export function eventReaders(config: Config, clientId: string): Readers | undefined {
  if (config.clients.size === 0) return null;
  let perClient = cache.get(config);
  if (!perClient) cache.set(config, (perClient = new Map()));
  if (perClient.has(clientId)) return perClient.get(clientId);
  const client = config.clients.get(clientId);
  const readers = client?.receive ? readersOf(client.allow, (name) => config.groups.get(name)?.users) : undefined;
  perClient.set(clientId, readers);
  return readers;
}
