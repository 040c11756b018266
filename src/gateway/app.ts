// The composition root of the gateway: config store, HTTP router, metrics, health and
// the components later layers add (bots, key registry, outbox, delivery). `serve` wires
// this to a real server; tests call `gateway.router.handle` directly.
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { Platform } from "../platform/platform.ts";
import { ConfigStore } from "../config/store.ts";
import type { Config } from "../config/types.ts";
import { MetricsRegistry } from "../lib/metrics.ts";
import { HealthRegistry } from "../lib/health.ts";
import { Router } from "../http/router.ts";
import { VERSION } from "../version.ts";
import { redactor } from "../lib/redact.ts";

/** The outside world, handed in once. Tests pass fakes. */
export interface Deps {
  platform: Platform;
  log: Logger;
  clock: Clock;
  env: Readonly<Record<string, string | undefined>>;
}

/** A long-lived part of the gateway, started in order and stopped in reverse. */
export interface Component {
  readonly name: string;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export interface Gateway {
  readonly deps: Deps;
  readonly store: ConfigStore;
  readonly router: Router;
  readonly metrics: MetricsRegistry;
  readonly health: HealthRegistry;
  readonly components: Component[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createGateway(deps: Deps, config: Config, loadConfig: () => Promise<Config>): Gateway {
  const store = new ConfigStore(config, loadConfig, deps.log, () => deps.clock.now());
  const router = new Router(deps.log);
  const metrics = new MetricsRegistry();
  const health = new HealthRegistry();
  const components: Component[] = [];
  const startedAt = deps.clock.now();

  registerConfigMetrics(metrics, store);
  health.add("config", () => ({
    healthy: store.state.lastReloadSuccessful,
    details: {
      file: store.current.file,
      last_reload_successful: store.state.lastReloadSuccessful,
      last_success_at: new Date(store.state.lastSuccessAt * 1000).toISOString(),
      last_error: store.state.lastError,
    },
  }));
  store.subscribe((next, previous) => warnRestartOnly(deps.log, next, previous));

  router.add("GET", "/healthz", () => {
    const report = health.report({
      version: VERSION,
      runtime: `${deps.platform.runtime} ${deps.platform.runtimeVersion}`,
      uptime_seconds: Math.round((deps.clock.now() - startedAt) / 1000),
    });
    // Sections carry error texts from Telegram and the network: redact in one place.
    return new Response(redactor.redact(JSON.stringify(report)), { headers: { "Content-Type": "application/json" } });
  });
  router.add("GET", "/metrics", () =>
    new Response(metrics.render(), { headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" } }),
  );

  const started: Component[] = [];
  return {
    deps,
    store,
    router,
    metrics,
    health,
    components,
    async start() {
      for (const component of components) {
        await component.start?.();
        started.push(component);
      }
    },
    async stop() {
      for (const component of started.splice(0).reverse()) {
        try {
          await component.stop?.();
        } catch (error) {
          deps.log.error("component failed to stop cleanly", { component: component.name, error });
        }
      }
    },
  };
}

function registerConfigMetrics(metrics: MetricsRegistry, store: ConfigStore): void {
  metrics
    .gauge("tgsignal_config_last_reload_successful", "Whether the last config reload attempt was successful (1) or not (0).")
    .collect(() => [[undefined, store.state.lastReloadSuccessful ? 1 : 0]]);
  metrics
    .gauge("tgsignal_config_last_reload_success_timestamp_seconds", "Timestamp of the last successful config load.")
    .collect(() => [[undefined, Math.floor(store.state.lastSuccessAt)]]);
  metrics
    .gauge("tgsignal_info", "Build information.")
    .collect(() => [[{ version: VERSION }, 1]]);
}

/** listen and data_dir are bound at start; say so instead of silently ignoring an edit. */
function warnRestartOnly(log: Logger, next: Config, previous: Config): void {
  if (next.listen.hostname !== previous.listen.hostname || next.listen.port !== previous.listen.port)
    log.warn("listen changed; it applies after a restart", { listen: `${next.listen.hostname}:${next.listen.port}` });
  if (next.dataDir !== previous.dataDir) log.warn("data_dir changed; it applies after a restart", { data_dir: next.dataDir });
}
