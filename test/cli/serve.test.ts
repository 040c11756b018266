// `tgsignal serve` in-process, with a platform whose signals the test delivers.
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runServe } from "../../src/cli/serve.ts";
import type { CliContext } from "../../src/cli/context.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { UsageError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { Platform, SignalName } from "../../src/platform/platform.ts";
import { tempDir, writeConfig } from "../integration/serve-process.ts";

test("SIGHUP and SIGTERM during start-up are handled once it is up, not left to their default action", async () => {
  const dir = await tempDir();
  const file = await writeConfig(dir, "listen: 127.0.0.1:0\n");
  const handlers = new Map<SignalName, Set<() => void>>();
  const deliver = (signal: SignalName): boolean => {
    const listening = [...(handlers.get(signal) ?? [])];
    for (const handler of listening) handler();
    return listening.length > 0;
  };
  const handledDuringStart: Record<string, boolean> = {};
  const platform: Platform = {
    ...bunPlatform,
    onSignal(signal, handler) {
      if (!handlers.has(signal)) handlers.set(signal, new Set());
      handlers.get(signal)!.add(handler);
      return () => void handlers.get(signal)!.delete(handler);
    },
    // `systemctl reload` right after `start`, then `systemctl stop`, while the gateway is
    // still starting: with no handler the process would die of the signal (SIGHUP kills,
    // and systemd counts that as a clean exit: no restart). As PID 1 it would be ignored.
    async serve(options) {
      handledDuringStart.SIGHUP = deliver("SIGHUP");
      handledDuringStart.SIGTERM = deliver("SIGTERM");
      return bunPlatform.serve(options);
    },
  };
  const log = createMemoryLogger();
  const ctx: CliContext = { platform, log, clock: systemClock, env: {}, print: () => {}, printError: () => {} };
  const code = await Promise.race([runServe(ctx, ["-c", file]), Bun.sleep(3000).then(() => "still running")]);
  expect(handledDuringStart).toEqual({ SIGHUP: true, SIGTERM: true });
  expect(code).toBe(0);
  expect(log.lines.some((line) => line.includes("stopped"))).toBe(true);
  expect(existsSync(join(dir, "data", "tgsignal.lock"))).toBe(false);
  // Nothing is left listening for signals once serve has returned.
  expect([...handlers.values()].every((set) => set.size === 0)).toBe(true);
}, 10_000);

test("serve rejects a positional argument instead of ignoring it and loading ./config.yaml", async () => {
  const log = createMemoryLogger();
  const ctx: CliContext = { platform: bunPlatform, log, clock: systemClock, env: {}, print: () => {}, printError: () => {} };
  await expect(runServe(ctx, ["/etc/tgsignal/config.yaml"])).rejects.toBeInstanceOf(UsageError);
});
