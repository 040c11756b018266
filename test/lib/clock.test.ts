import { expect, test } from "bun:test";
import { systemClock } from "../../src/lib/clock.ts";

test("systemClock.sleep waits, and a sleep longer than setTimeout's 24.8-day limit does not fire at once", async () => {
  const started = Date.now();
  await systemClock.sleep(30);
  expect(Date.now() - started).toBeGreaterThanOrEqual(25);

  const controller = new AbortController();
  let settled = "pending";
  systemClock.sleep(40 * 24 * 3600 * 1000, controller.signal).then(
    () => (settled = "resolved"),
    () => (settled = "aborted"),
  );
  await systemClock.sleep(50);
  expect(settled).toBe("pending");
  controller.abort(new Error("stop"));
  await Promise.resolve();
  await Promise.resolve();
  expect(settled).toBe("aborted");
});
