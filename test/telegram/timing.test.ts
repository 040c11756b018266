import { expect, test } from "bun:test";
import { backoffDelay, transportTiming } from "../../src/telegram/timing.ts";

const steps = { baseMs: 1000, capMs: 60_000 };

test("doubles from the base and stops at the cap", () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempt) => backoffDelay(attempt, steps, () => 1));
  expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
});

test("equal jitter: between half and all of the step, from the injected random source", () => {
  expect(backoffDelay(1, steps, () => 0)).toBe(500);
  expect(backoffDelay(20, steps, () => 0)).toBe(30_000);
  expect(backoffDelay(3, steps, () => 0.5)).toBe(3000);
});

test("a scaled timing shrinks Telegram's second, not the shape of the policy", () => {
  const fast = transportTiming(0.01);
  expect(fast.secondMs).toBe(10);
  expect(backoffDelay(3, fast.pollBackoff, () => 1)).toBe(40);
  expect(backoffDelay(1, fast.conflictBackoff, () => 1)).toBe(50);
  // Rates scale, but the limiter's slack under Telegram's figures is jitter, kept in real time:
  // 1/30 s scaled plus the 1.1 ms a message that 29/s keeps over 30/s.
  expect(1000 / fast.limits.perSecond).toBeCloseTo(1000 / 30 / 100 + (1000 / 29 - 1000 / 30), 6);
  expect(1000 / fast.limits.perChatPerSecond).toBeCloseTo(10 + (1000 / 0.95 - 1000), 6);
  expect(transportTiming(1).limits).toEqual(expect.objectContaining({ perSecond: expect.closeTo(29, 9), perGroupPerMinute: expect.closeTo(19, 9) }));
  // Deadlines are network time: never scaled.
  expect(fast.callTimeoutMs).toBe(transportTiming().callTimeoutMs);
});
