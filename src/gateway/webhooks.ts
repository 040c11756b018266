// Webhooks: one pusher per client with `webhook: {url, secret}`, reading the inbox. Follows
// config reloads (a client's webhook added, removed, or its url, secret or allow changed),
// stops at shutdown, and reports metrics and a /healthz section. Wired after the inbox
// opens, so it stops before the inbox closes.
import type { Component, Gateway } from "./app.ts";
import { eventReaders } from "../config/readers.ts";
import type { Config } from "../config/types.ts";
import { mayRead } from "../events/access.ts";
import type { InboxEvent, InboxStore } from "../events/types.ts";
import type { FetchLike } from "../events/webhook-post.ts";
import { WebhookPushers, type WebhookSpec } from "../events/webhook-pushers.ts";
import { WEBHOOK_TIMING, type WebhookEvents, type WebhookPusher, type WebhookTiming } from "../events/webhook.ts";
import { showWebhookUrl } from "../events/webhook-post.ts";
import type { MetricsRegistry } from "../lib/metrics.ts";

export interface WebhooksOptions {
  /** The fetch that POSTs (tests: a fake); default the runtime's. */
  fetch?: FetchLike;
  /**
   * Backoff runs `scale` times as fast (tests against local receivers only, like
   * TGSIGNAL_TIME_SCALE for Telegram's timing). The deadline is network time: never scaled.
   */
  scale?: number;
}

/** A receiver failing this many times in a row marks the gateway degraded. */
const DEGRADED_AFTER = 5;

export function addWebhooks(gateway: Gateway, inbox: InboxStore, options: WebhooksOptions = {}): WebhookPushers {
  const { deps, store, metrics, health } = gateway;
  const pushers = new WebhookPushers({
    inbox,
    platform: deps.platform,
    // data_dir applies after a restart (app.ts warns): the cursors stay where they are.
    dataDir: store.current.dataDir,
    fetch: options.fetch ?? ((url, init) => fetch(url, init)),
    clock: deps.clock,
    log: deps.log,
    timing: scaledTiming(options.scale ?? 1),
    events: webhookMetrics(metrics),
  });
  metrics
    .gauge("tgsignal_webhook_lag_seconds", "Age of the oldest event a client's webhook has not acknowledged (0: none waiting).")
    .collect(() => pushers.all().map(([client, pusher]) => [{ client }, pusher.lagMs(deps.clock.now()) / 1000]));
  health.add("webhooks", () => webhooksHealth(pushers, deps.clock.now()));

  let started = false;
  const component: Component = {
    name: "webhooks",
    async start() {
      started = true;
      await pushers.apply(webhookSpecs(store.current));
    },
    async stop() {
      started = false;
      await pushers.stop();
    },
  };
  gateway.components.push(component);
  store.subscribe(async (next) => {
    if (started) await pushers.apply(webhookSpecs(next));
  });
  return pushers;
}

/** What each client with a webhook pushes: its target, and the events of the people it may read. */
export function webhookSpecs(config: Config): WebhookSpec[] {
  const specs: WebhookSpec[] = [];
  for (const client of config.clients.values()) {
    if (!client.webhook) continue;
    // A webhook implies receive (config/resolve.ts), so the client always has readers here.
    const readers = eventReaders(config, client.id);
    if (readers === undefined) continue;
    specs.push({
      client: client.id,
      target: { url: client.webhook.url, secret: client.webhook.secret },
      accepts: (event: InboxEvent) => mayRead(readers, event),
      scope: readers === null ? "*" : JSON.stringify([...readers].sort()),
    });
  }
  return specs;
}

function scaledTiming(scale: number): WebhookTiming {
  if (!(scale > 0 && scale < 1)) return WEBHOOK_TIMING;
  const { backoff, deadlineMs } = WEBHOOK_TIMING;
  return { backoff: { baseMs: backoff.baseMs * scale, capMs: backoff.capMs * scale }, deadlineMs };
}

function webhookMetrics(metrics: MetricsRegistry): WebhookEvents {
  const deliveries = metrics.counter("tgsignal_webhook_deliveries_total", "Events a client's webhook acknowledged (2xx).");
  const failures = metrics.counter(
    "tgsignal_webhook_failures_total",
    "Webhook POSTs that failed (timeout, network, redirect, http_4xx, http_5xx), and events skipped because retention dropped them first (expired).",
  );
  return {
    delivered: (client) => deliveries.inc({ client }),
    failed: (client, reason) => failures.inc({ client, reason }),
  };
}

function webhooksHealth(pushers: WebhookPushers, now: number) {
  let healthy = true;
  const details: Record<string, unknown> = {};
  for (const [client, pusher] of pushers.all()) {
    const { status } = pusher;
    if (status.state === "cursor_error" || status.failures >= DEGRADED_AFTER) healthy = false;
    details[client] = describe(pusher, now);
  }
  return { healthy, details };
}

function describe(pusher: WebhookPusher, now: number) {
  const { status } = pusher;
  return {
    url: showWebhookUrl(pusher.target.url),
    state: status.state,
    cursor: status.cursor,
    consecutive_failures: status.failures,
    retrying_since: status.retryingSince === null ? null : new Date(status.retryingSince).toISOString(),
    lag_seconds: pusher.lagMs(now) / 1000,
    last_error: status.lastError && { reason: status.lastError.reason, message: status.lastError.message, at: new Date(status.lastError.at).toISOString() },
  };
}
