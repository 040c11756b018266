// Shutdown: requests waiting for delivery answer at once (202, still queued in the outbox)
// when the process is told to stop, by SIGTERM (systemd, docker) or SIGINT (Ctrl-C), so the
// server's graceful stop is not held up for `wait` seconds.
import { afterEach, expect, test } from "bun:test";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { Platform, SignalName } from "../../src/platform/platform.ts";
import { jsonOf, startNotifyHarness, TOKEN, type NotifyHarness } from "./notify-harness.ts";

let h: NotifyHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The Bun platform with signals delivered by the test instead of the OS. */
function signalPlatform(): Platform & { raise(signal: SignalName): void } {
  const handlers = new Set<{ signal: SignalName; handler: () => void }>();
  return {
    ...bunPlatform,
    onSignal(signal, handler) {
      const entry = { signal, handler };
      handlers.add(entry);
      return () => void handlers.delete(entry);
    },
    raise(signal) {
      for (const entry of [...handlers]) if (entry.signal === signal) entry.handler();
    },
  };
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`${signal}: a request waiting for delivery answers 202 at once`, async () => {
    const platform = signalPlatform();
    h = await startNotifyHarness({ platform });
    h.api.emulator.setOutage(TOKEN, { status: 503 });
    const started = Date.now();
    const pending = h.post("/notify", { to: "sidorov", text: "during an outage", wait: 30 });
    await Bun.sleep(200);
    platform.raise(signal);
    const res = await pending;
    expect(res.status).toBe(202);
    expect((await jsonOf(res)).status).toBe("queued");
    expect(Date.now() - started).toBeLessThan(5000);
  }, 15_000);
}

test("a request arriving after SIGTERM (before the server stops) is queued and answered at once", async () => {
  const platform = signalPlatform();
  h = await startNotifyHarness({ platform });
  h.api.emulator.setOutage(TOKEN, { status: 503 });
  platform.raise("SIGTERM");
  const started = Date.now();
  const res = await h.post("/notify", { to: "sidorov", text: "late", wait: 30 });
  expect(res.status).toBe(202);
  expect(Date.now() - started).toBeLessThan(5000);
}, 15_000);
