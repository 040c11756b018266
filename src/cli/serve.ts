// `tgsignal serve`: load and watch the config, own the data dir, serve HTTP, and shut
// down cleanly on SIGTERM/SIGINT (in-flight requests finish, components flush).
import { createGateway, type Gateway } from "../gateway/app.ts";
import { watchConfig } from "../config/watch.ts";
import type { Config } from "../config/types.ts";
import { StateError, UsageError, formatIssue } from "../lib/errors.ts";
import { lockDataDir } from "../platform/lock.ts";
import type { Server, SignalName } from "../platform/platform.ts";
import { addComponents } from "../gateway/components.ts";
import { VERSION } from "../version.ts";
import { CONFIG_OPTION, parseCommandArgs } from "./args.ts";
import { configLoader, configPath, EXIT, loadConfigOrReport, type CliContext } from "./context.ts";

const USAGE = "Usage: tgsignal serve [-c FILE]\nRuns the gateway. FILE: -c, $TGSIGNAL_CONFIG, or ./config.yaml.";

export async function runServe(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, CONFIG_OPTION, "serve");
  if (values.help) return ctx.print(USAGE), EXIT.ok;
  // `tgsignal serve /etc/tgsignal/config.yaml` would otherwise run on ./config.yaml.
  if (positionals.length > 0) throw new UsageError(`serve: unexpected argument "${positionals[0]}"; give the config as -c FILE`);
  const held = holdSignals(ctx);
  const started = await startGateway(ctx, configPath(ctx, values.config as string | undefined)).catch((error: unknown) => {
    held.release();
    throw error;
  });
  if (typeof started === "number") return held.release(), started;
  if (held.received.has("SIGHUP")) void started.gateway.store.reload("SIGHUP");
  if (!held.received.has("SIGTERM") && !held.received.has("SIGINT")) {
    const shutdown = waitForShutdownSignal(ctx);
    held.release();
    await shutdown;
  }
  await started.stop();
  held.release();
  return EXIT.ok;
}

/**
 * Until the gateway is up, a signal's default action would kill it mid-start (SIGHUP from
 * `systemctl reload` right after `start` included, which systemd counts as a clean exit,
 * so no restart) or, as PID 1 in a container, the signal would be ignored. Remember them.
 */
function holdSignals(ctx: CliContext): { received: Set<SignalName>; release(): void } {
  const received = new Set<SignalName>();
  const offs = (["SIGTERM", "SIGINT", "SIGHUP"] as const).map((signal) =>
    ctx.platform.onSignal(signal, () => {
      ctx.log.info(`${signal} received while starting; handled once started`);
      received.add(signal);
    }),
  );
  return { received, release: () => offs.splice(0).forEach((off) => off()) };
}

export interface RunningGateway {
  readonly gateway: Gateway;
  readonly server: Server;
  /** e.g. http://127.0.0.1:8787 */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts everything `serve` runs; returns an exit code when it cannot start. */
export async function startGateway(ctx: CliContext, file: string): Promise<RunningGateway | number> {
  const { log } = ctx;
  // Loaded here at start; every reload is checked in the config worker.
  const loader = configLoader(ctx, file);
  const config = await loadConfigOrReport(ctx, file, loader);
  if (!config) return log.error("invalid config; not starting", { file }), EXIT.invalid;
  for (const warning of config.warnings) log.warn(formatIssue(warning));

  let lock;
  try {
    lock = await lockDataDir(config.dataDir);
  } catch (error) {
    if (error instanceof StateError) return log.error(error.message), EXIT.state;
    throw error;
  }

  const gateway = createGateway(ctx, config, () => loader.reload());
  let server: Server | undefined;
  let watcher: { close(): Promise<void> } | undefined;
  try {
    await addComponents(gateway);
    await gateway.start();
    server = await startServer(ctx, gateway, config);
    watcher = await watchConfig({ platform: ctx.platform, store: gateway.store, log });
    // An edit between the first read and the watcher's start would otherwise wait for the
    // next change; an unchanged file makes this a no-op.
    void gateway.store.reload("started");
  } catch (error) {
    log.error("start failed", { error: error instanceof Error ? error.message : String(error) });
    await server?.stop();
    await gateway.stop();
    await lock.release();
    return error instanceof StateError ? EXIT.state : EXIT.runtime;
  }
  const url = `http://${hostForUrl(server.hostname)}:${server.port}`;
  log.info("tgsignal started", {
    version: VERSION,
    runtime: `${ctx.platform.runtime} ${ctx.platform.runtimeVersion}`,
    listen: url,
    config: file,
    data_dir: config.dataDir,
    pid: process.pid,
  });
  const running = server;
  const activeWatcher = watcher;
  return {
    gateway,
    server: running,
    url,
    async stop() {
      log.info("shutting down: finishing in-flight requests");
      // Closing the watcher drops its SIGHUP handler; without one, SIGHUP's default
      // action would kill the process mid-shutdown.
      const offHup = ctx.platform.onSignal("SIGHUP", () => log.info("SIGHUP ignored: shutting down"));
      try {
        await activeWatcher.close();
        await running.stop();
        await gateway.stop();
      } finally {
        // Whatever failed above, the next start must not find a lock held by nobody.
        await lock.release();
        offHup();
        loader.close();
      }
      log.info("stopped");
    },
  };
}

async function startServer(ctx: CliContext, gateway: Gateway, config: Config): Promise<Server> {
  if (config.clients.size === 0)
    ctx.log.warn("no clients configured: the notify endpoint accepts only loopback callers without a token");
  try {
    return await ctx.platform.serve({
      hostname: config.listen.hostname,
      port: config.listen.port,
      handler: gateway.router.handle,
      onError: (error) => ctx.log.error("HTTP server error", { error }),
    });
  } catch (error) {
    throw new Error(
      `cannot listen on ${config.listen.hostname}:${config.listen.port}: ${error instanceof Error ? error.message : String(error)}; is another process using the port?`,
    );
  }
}

export function waitForShutdownSignal(ctx: CliContext): Promise<void> {
  return new Promise((resolve) => {
    const offs = (["SIGTERM", "SIGINT"] as const).map((signal) =>
      ctx.platform.onSignal(signal, () => {
        ctx.log.info(`${signal} received`);
        for (const off of offs) off();
        resolve();
      }),
    );
  });
}

function hostForUrl(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}
