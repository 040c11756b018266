// Inbound layer: the key registry (keys.log), one poller per enabled bot, the
// conversation handlers (keys, events from people, button presses) and each bot's
// commands menu. Follows config reloads: bots added, removed, disabled, or with changed
// token/api_url/proxy/poll/timezone get a fresh poller; texts, access, phrases, language
// and `users` are read live by the handlers; a changed menu is published again. A bot
// stopped by a 401 stays stopped until its config changes.
import type { Gateway } from "./app.ts";
import type { BotConfig, Config } from "../config/types.ts";
import { KeyRegistry } from "../keys/registry.ts";
import type { KeyRecord, KeyStore } from "../keys/types.ts";
import type { Logger } from "../lib/log.ts";
import type { BotClient } from "../telegram/bot-client.ts";
import type { BotClients } from "../telegram/bot-clients.ts";
import type { InboxStore } from "../events/types.ts";
import type { MetricsRegistry } from "../lib/metrics.ts";
import { tellKeyRevoked, type ConversationDeps } from "../inbound/conversation.ts";
import { registerHandlers } from "../inbound/handlers.ts";
import { MenuPublisher } from "../inbound/menu.ts";
import type { NotificationLookup } from "../inbound/notifications.ts";
import { Poller } from "../inbound/poller.ts";
import { ReplyQueue } from "../inbound/replies.ts";

interface RunningBot {
  config: BotConfig;
  poller: Poller;
}

/** The inbound side as the rest of the gateway uses it. */
export interface Inbound {
  /** The key store (keys.log): delivery resolves keys with it, the admin API lists and revokes them. */
  keys: KeyStore;
  /** Tells the person their key was revoked (key_revoked, on the reply path); false when it cannot (the bot is disabled). */
  tellRevoked(record: KeyRecord): boolean;
}

/** What the conversation records into and looks up (the inbox, and the outbox's notifications). */
export interface InboundDeps {
  inbox: Pick<InboxStore, "record" | "decided">;
  notifications: NotificationLookup;
}

export async function addInbound(gateway: Gateway, bots: BotClients, twoWay: InboundDeps): Promise<Inbound> {
  const { deps, store, metrics } = gateway;
  const log = deps.log.child({ component: "inbound" });
  const registry = await KeyRegistry.open({
    platform: deps.platform,
    dataDir: store.current.dataDir,
    now: () => deps.clock.now(),
    onWarning: (message) => log.warn(message),
  });
  const pollErrors = metrics.counter("tgsignal_poll_errors_total", "getUpdates failures by bot and kind.");
  const running = new Map<string, RunningBot>();
  metrics
    .gauge("tgsignal_poll_last_success_timestamp_seconds", "Time of the last successful getUpdates, by bot.")
    .collect(() =>
      [...running].flatMap(([id, bot]) => (bot.poller.status.lastSuccessAt === null ? [] : [[{ bot: id }, Math.floor(bot.poller.status.lastSuccessAt / 1000)]])),
    );

  const replies = new ReplyQueue({ clock: deps.clock, log, timing: bots.timing });
  const conversation: ConversationDeps = {
    registry,
    log,
    replies,
    clock: deps.clock,
    ownerOf: (key) => store.current.keyOwners.get(key),
    ...twoWay,
    ...conversationMetrics(metrics),
  };
  // Each client's GramIO bot gets the conversation once; its pollers come and go.
  bots.onClient((client) => registerHandlers(client, conversation));
  const menus = new MenuPublisher(log);

  const startPoller = (client: BotClient): void => {
    const { config } = client;
    const poller = new Poller({
      botId: config.id,
      token: config.token,
      pattern: config.poll,
      timezone: config.timezone,
      dataDir: store.current.dataDir,
      platform: deps.platform,
      clock: deps.clock,
      log,
      client,
      timing: bots.timing,
      onError: (kind) => pollErrors.inc({ bot: config.id, kind }),
    });
    running.set(config.id, { config, poller });
    poller.start();
  };

  const sync = async (config: Config): Promise<void> => {
    for (const [id, bot] of running) {
      const next = bots.get(id)?.config;
      if (next && !needsRestart(bot, next)) {
        bot.config = next;
        continue;
      }
      running.delete(id);
      await bot.poller.stop();
      log.info(next ? "bot settings changed: polling restarts" : "bot removed or disabled: polling stopped", { bot: id });
    }
    for (const client of bots.all()) if (!running.has(client.config.id)) startPoller(client);
    // Not awaited: a slow or failing setMyCommands never holds polling or a reload.
    for (const client of bots.all()) void menus.sync(client);
    warnUnknownKeys(log, config, registry);
  };

  gateway.health.add("bots", () => botsHealth(store.current, running));
  gateway.components.push({
    name: "inbound",
    start: () => sync(store.current),
    async stop() {
      // Replies first: queued ones are dropped (their keys are on disk) and a batch being
      // handled stops waiting on Telegram, so SIGTERM never waits out a backlog.
      replies.stop();
      await Promise.all([...running.values()].map((bot) => bot.poller.stop()));
      running.clear();
      await registry.close();
    },
  });
  store.subscribe((next) => sync(next));
  const tellRevoked = (record: KeyRecord): boolean => {
    const client = bots.get(record.bot);
    return client !== undefined && tellKeyRevoked(client, conversation, record);
  };
  return { keys: registry, tellRevoked };
}

function conversationMetrics(metrics: MetricsRegistry): Pick<ConversationDeps, "onKeyIssued" | "onPress" | "onAckFailed"> {
  const keysIssued = metrics.counter("tgsignal_keys_issued_total", "Keys issued to new chats, by bot.");
  const presses = metrics.counter("tgsignal_button_presses_total", "Button presses, by bot and outcome (event, decided: the message had its decision, expired).");
  const acksFailed = metrics.counter(
    "tgsignal_acks_failed_total",
    "Acknowledgements given up, by bot and kind (reaction, received, answer: a press's answer, keyboard: the choice shown).",
  );
  return {
    onKeyIssued: (bot) => keysIssued.inc({ bot }),
    onPress: (bot, outcome) => presses.inc({ bot, outcome }),
    onAckFailed: (bot, kind) => acksFailed.inc({ bot, kind }),
  };
}

/** A fresh poller for connection or schedule changes; a 401'd bot for any change of its config. */
function needsRestart(bot: RunningBot, next: BotConfig): boolean {
  const a = bot.config;
  if (bot.poller.status.state === "unauthorized") return JSON.stringify(a) !== JSON.stringify(next);
  return a.token !== next.token || a.apiUrl !== next.apiUrl || a.proxy !== next.proxy || a.poll !== next.poll || a.timezone !== next.timezone;
}

function botsHealth(config: Config, running: ReadonlyMap<string, RunningBot>) {
  let healthy = true;
  const details: Record<string, unknown> = {};
  for (const bot of config.bots.values()) {
    const status = running.get(bot.id)?.poller.status;
    if (status?.state === "unauthorized") healthy = false;
    details[bot.id] = {
      title: bot.title,
      enabled: bot.enabled,
      state: bot.enabled ? (status?.state ?? "starting") : "disabled",
      username: status?.username ?? null,
      last_success_at: status?.lastSuccessAt ? new Date(status.lastSuccessAt).toISOString() : null,
      last_error: status?.lastError
        ? { kind: status.lastError.kind, message: status.lastError.message, at: new Date(status.lastError.at).toISOString() }
        : null,
    };
  }
  return { healthy, details };
}

/** DESIGN: a key the log does not know is a warning (the log may live on another host). */
function warnUnknownKeys(log: Logger, config: Config, registry: KeyStore): void {
  for (const [key, user] of config.keyOwners) {
    const record = registry.lookup(key);
    if (!record) log.warn(`users.${user}: key ${key} is not in keys.log (issued on another host, or mistyped?); sending to it will fail`);
    else if (record.status === "revoked") log.warn(`users.${user}: key ${key} was revoked (/stop or tgsignal keys revoke); sending to it will fail, and /key gives the person a new key`);
  }
}
