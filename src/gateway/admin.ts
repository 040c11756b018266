// The admin API's wiring: GET /keys and POST /keys/{key}/revoke over the key store, the
// person told through the inbound side's reply path (queued deliveries to the key stop
// through the store's onRevoked, as after a /stop); POST /reload through the config
// store, as SIGHUP does.
import type { Gateway } from "./app.ts";
import type { Inbound } from "./inbound.ts";
import { addAdminRoutes, type KeyAdmin } from "../http/admin.ts";
import { Authenticator } from "../http/auth.ts";

export function addAdmin(gateway: Gateway, inbound: Inbound): void {
  const { deps, store, router } = gateway;
  const { keys, tellRevoked } = inbound;
  const admin: KeyAdmin = {
    list: () => keys.list(),
    async revoke(key) {
      const before = keys.lookup(key);
      if (!before) return undefined;
      // Durable (keys.log, fsynced) before anything else: the answer, the person's message
      // and failing what is queued all follow the record.
      const revoked = await keys.revokeKey(key, "admin");
      const record = keys.lookup(key) ?? before;
      if (!revoked) return { record, revoked, told: false };
      // A person who blocked the bot would not get it (Telegram answers 403).
      const told = before.status === "active" && tellRevoked(record);
      return { record, revoked, told };
    },
  };
  addAdminRoutes({ router, store, auth: new Authenticator(deps.clock), keys: admin, log: deps.log.child({ component: "admin" }) });
}
