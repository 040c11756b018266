// Outbound layer: the durable outbox, the delivery worker, the notify routes, metrics and
// health. Started after the inbound layer (keys must be loaded to resolve recipients),
// stopped before it: sends in flight finish and the outbox is flushed.
import type { Component, Gateway } from "./app.ts";
import type { KeyLookup } from "../keys/types.ts";
import type { Clock } from "../lib/clock.ts";
import type { BotClients } from "../telegram/bot-clients.ts";
import type { MetricsRegistry } from "../lib/metrics.ts";
import { Authenticator } from "../http/auth.ts";
import { addCompatRoutes } from "../http/compat/compat-routes.ts";
import { addMessageRoutes } from "../http/messages.ts";
import { addNotifyRoutes } from "../http/notify.ts";
import { buildOpenApi } from "../http/openapi.ts";
import { FileKeeper } from "../delivery/file-keeper.ts";
import { Notifier } from "../delivery/notifier.ts";
import { MessageOperations } from "../delivery/operations.ts";
import { Outbox, type OutboxStore } from "../delivery/outbox.ts";
import { NO_EVENTS, type EventLookup } from "../delivery/reply-to.ts";
import { DeliveryWorker, type DeliveryEvents } from "../delivery/worker.ts";
import { Uploads } from "../http/uploads.ts";
import { FileStore } from "../storage/file-store.ts";

export interface Outbound {
  notifier: Notifier;
  operations: MessageOperations;
  outbox: OutboxStore;
  worker: DeliveryWorker;
  /** data_dir/files and what keeps it to what queued notifications need. */
  files: FileKeeper;
}

/**
 * Opens the outbox and builds the worker, notifier and operations (shared by serve and
 * `tgsignal send`). `inbox` is the event store, for reply_to (without: every event is unknown).
 */
export async function openDelivery(gateway: Gateway, bots: BotClients, keys: KeyLookup, inbox: EventLookup = NO_EVENTS): Promise<Outbound> {
  const { deps, store, metrics } = gateway;
  const files = new FileKeeper(new FileStore(deps.platform, store.current.dataDir), deps.log);
  const outbox = await Outbox.open({
    platform: deps.platform,
    clock: deps.clock,
    log: deps.log,
    dataDir: store.current.dataDir,
    eventsRetentionMs: () => store.current.eventsRetentionMs,
    files,
  });
  // The replayed outbox holds what queued notifications need; the rest (uploads a crash
  // cut short, files of notifications that finished) goes before any request comes.
  await files.sweep();
  const accepted = metrics.counter("tgsignal_notifications_accepted_total", "Notifications accepted, per recipient and bot.");
  const events = deliveryMetrics(metrics);
  const worker = new DeliveryWorker({
    outbox,
    bots,
    keys,
    clock: deps.clock,
    log: deps.log,
    events,
    backoff: bots.timing.sendBackoff,
    files: files.store,
  });
  const notifier = new Notifier({
    outbox,
    worker,
    keys,
    events: inbox,
    config: () => store.current,
    clock: deps.clock,
    onAccepted: (state) => {
      for (const recipient of state.recipients) {
        accepted.inc({ bot: recipient.bot });
        // A revoked or blocked key fails at accept, without a send: count it like the worker would.
        if (recipient.status === "failed") events.failed(recipient.bot, "blocked");
      }
    },
  });
  metrics.gauge("tgsignal_outbox_depth", "Recipients with a notification still queued (not those still waiting for their scheduled time).").collect(() => [[undefined, outbox.depth()]]);
  metrics.gauge("tgsignal_outbox_scheduled", "Scheduled notifications (at/delay) waiting for their time.").collect(() => [[undefined, worker.scheduledCount()]]);
  const operations = new MessageOperations({ outbox, worker, clock: deps.clock });
  return { notifier, operations, outbox, worker, files };
}

export async function addOutbound(gateway: Gateway, bots: BotClients, keys: KeyLookup, inbox: EventLookup): Promise<Outbound> {
  const { deps, store, router, health } = gateway;
  const outbound = await openDelivery(gateway, bots, keys, inbox);
  const draining = new AbortController();
  const auth = new Authenticator(deps.clock);
  const { notifier, operations, outbox } = outbound;
  const uploads = new Uploads(outbound.files.store, outbound.files);
  addNotifyRoutes({ router, store, notifier, auth, uploads, clock: deps.clock, draining: draining.signal });
  addMessageRoutes({ router, store, notifier, operations, outbox, auth, clock: deps.clock, draining: draining.signal });
  addCompatRoutes({ router, store, notifier, auth, log: deps.log, uploads });
  const openapi = buildOpenApi();
  router.add("GET", "/openapi.json", () => Response.json(openapi));
  health.add("delivery", () => deliveryHealth(outbound, bots, deps.clock));
  gateway.components.push(outboundComponent(gateway, outbound, draining));
  return outbound;
}

function outboundComponent(gateway: Gateway, { outbox, worker, files }: Outbound, draining: AbortController): Component {
  const { deps } = gateway;
  let offSignals: Array<() => void> = [];
  return {
    name: "outbound",
    async start() {
      const pending = outbox.pending();
      for (const state of pending) worker.enqueue(state);
      if (pending.length > 0) deps.log.info("resuming queued notifications", { notifications: pending.length, recipients: outbox.depth() });
      // On SIGTERM or SIGINT (serve stops on either), requests waiting for delivery answer
      // at once (202) so the server's graceful stop is not held up for their `wait`.
      offSignals = (["SIGTERM", "SIGINT"] as const).map((signal) => deps.platform.onSignal(signal, () => draining.abort()));
    },
    async stop() {
      for (const off of offSignals) off();
      draining.abort();
      await worker.stop();
      await outbox.close();
      // Removals of files nobody needs any more finish (or the next start sweeps them).
      await files.idle();
      deps.log.info("outbox flushed", { queued: outbox.depth() });
    },
  };
}

function deliveryMetrics(metrics: MetricsRegistry): DeliveryEvents {
  const delivered = metrics.counter("tgsignal_notifications_delivered_total", "Recipients delivered, per bot.");
  const failed = metrics.counter("tgsignal_notifications_failed_total", "Recipients failed permanently, per bot and reason.");
  const latency = metrics.histogram("tgsignal_delivery_latency_seconds", "From accept to the last part delivered, per bot.", [
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
  ]);
  const retries = metrics.counter("tgsignal_delivery_retries_total", "Sends retried after a 5xx or network error.");
  const duplicates = metrics.counter("tgsignal_delivery_possible_duplicates_total", "Retries after a timeout or broken connection, where Telegram may have delivered the first try.");
  const operations = metrics.counter("tgsignal_message_operations_total", "Edits and deletions (PATCH/DELETE /messages) ended per recipient, per bot, operation and outcome.");
  return {
    delivered(bot, ms) {
      delivered.inc({ bot });
      latency.observe(ms / 1000, { bot });
    },
    failed: (bot, reason) => failed.inc({ bot, reason }),
    retried(bot, ambiguous) {
      retries.inc({ bot });
      if (ambiguous) duplicates.inc({ bot });
    },
    operation: (bot, operation, outcome) => operations.inc({ bot, operation, outcome }),
  };
}

function deliveryHealth({ outbox, worker }: Outbound, bots: BotClients, clock: Clock) {
  const perBot: Record<string, unknown> = {};
  let healthy = true;
  for (const client of bots.all()) {
    const state = worker.botState(client.config.id);
    // The limiter keeps time by the injected clock, so "paused" must be judged by it too.
    const paused = client.limiter.pausedUntil > clock.now();
    // A bot that keeps failing is degraded: queued notifications are not going out.
    if (state.failures >= 5) healthy = false;
    perBot[client.config.id] = { consecutive_failures: state.failures, last_error: state.lastError, paused };
  }
  return { healthy, details: { queued: outbox.depth(), scheduled: worker.scheduledCount(), bots: perBot } };
}
