// GET /events and the file route on a Router (no sockets), over a real inbox in a temp
// data dir and a config with three kinds of client: one reading everything, one reading
// only the ops group, one without `receive`. The clock is fake: long polls end by it.
import { ConfigStore } from "../../src/config/store.ts";
import type { Config } from "../../src/config/types.ts";
import type { Inbox } from "../../src/events/inbox.ts";
import { Authenticator } from "../../src/http/auth.ts";
import { addEventFileRoute } from "../../src/http/event-files.ts";
import { addEventsRoutes, type EventsRoutes } from "../../src/http/events.ts";
import { Router } from "../../src/http/router.ts";
import type { TelegramApi } from "../../src/telegram/api.ts";
import { BOT_TOKEN, load, yaml } from "../config/helpers.ts";
import { inboxFixture, type InboxFixture } from "../events/event-fixtures.ts";

export const READER = "reader-token-0123456789abcdef";
export const OPS_READER = "ops-reader-token-0123456789ab";
export const SENDER = "sender-token-0123456789abcdef";

export const CONFIG = yaml`
  clients:
    reader:
      token: ${READER}
      receive: true
    ops_reader:
      token: ${OPS_READER}
      receive: true
      allow: [ops]
    sender:
      token: ${SENDER}
  bots:
    main:
      token: "${BOT_TOKEN}"
  users:
    ivanov: 48213977
    petrov: 51928374
    sidorov: 60011223
  groups:
    ops: [ivanov, sidorov]
`;

export interface EventsHarness {
  fx: InboxFixture;
  inbox: Inbox;
  router: Router;
  routes: EventsRoutes;
  draining: AbortController;
  /** GET `path` as the client with `token` (null: no Authorization header), from loopback. */
  get(path: string, token?: string | null): Promise<Response>;
  close(): Promise<void>;
}

export async function eventsHarness(options: { config?: Config; botApi?: (bot: string) => TelegramApi | undefined } = {}): Promise<EventsHarness> {
  const fx = await inboxFixture();
  const inbox = await fx.open();
  const config = options.config ?? load(CONFIG);
  const store = new ConfigStore(config, async () => config, fx.log, () => fx.clock.now());
  const router = new Router(fx.log);
  const auth = new Authenticator(fx.clock);
  const draining = new AbortController();
  const routes = addEventsRoutes({ router, store, inbox, auth, clock: fx.clock, draining: draining.signal });
  addEventFileRoute({ router, store, inbox, auth, botApi: options.botApi ?? (() => undefined) });
  return {
    fx,
    inbox,
    router,
    routes,
    draining,
    get(path, token = READER) {
      const headers: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token}` };
      return router.handle(new Request(`http://localhost${path}`, { headers }), { remoteAddr: "127.0.0.1" });
    },
    async close() {
      await inbox.close();
      await fx.remove();
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const bodyOf = (res: Response): Promise<any> => res.json();
