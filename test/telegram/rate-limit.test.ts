import { describe, expect, test } from "bun:test";
import { FloodControl } from "../../src/emulator/flood-control.ts";
import { RateLimiter, TELEGRAM_LIMITS } from "../../src/telegram/rate-limit.ts";
import { transportTiming } from "../../src/telegram/timing.ts";
import { FakeClock } from "../fakes/fake-clock.ts";

describe("RateLimiter (GCRA)", () => {
  test("a private chat gets a burst of 3, then about 1 per second", () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(clock, TELEGRAM_LIMITS);
    const waits = Array.from({ length: 5 }, () => limiter.reserve(1, clock.now()));
    // The burst goes out at once, spaced only by the bot-wide 1/29 s.
    waits.slice(0, 3).forEach((wait, i) => expect(wait).toBeCloseTo((i * 1000) / 29, 1));
    // Then one per 1/0.95 s, counted from the first message of the burst.
    expect(waits[3]).toBeCloseTo(1000 / 0.95, 1);
    expect(waits[4]).toBeCloseTo(2000 / 0.95, 1);
  });

  test("bot-wide: about 29 per second, never more than 30 in any 1 s window", () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 25, 10, 0, 0) + 17);
    const limiter = new RateLimiter(clock);
    const times = Array.from({ length: 200 }, (_, chat) => clock.now() + limiter.reserve(chat + 1, clock.now()));
    expect(times[28]! - times[0]!).toBeLessThan(1000);
    for (let i = 30; i < times.length; i++) expect(times[i]! - times[i - 30]!).toBeGreaterThanOrEqual(1000);
    expect(times.at(-1)! - times[0]!).toBeLessThan((200 / 29) * 1000);
  });

  test("a group gets one message per 60/19 s", () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(clock);
    limiter.reserve(-5, clock.now());
    expect(limiter.reserve(-5, clock.now())).toBeCloseTo(60_000 / 19, 0);
  });

  test("a busy chat does not delay other chats", () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(clock);
    for (let i = 0; i < 10; i++) limiter.reserve(1, clock.now());
    expect(limiter.reserve(2, clock.now())).toBeLessThan(1000);
  });

  test("acquire sleeps on the fake clock and honours a 429 pause", async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(clock);
    limiter.pauseUntil(clock.now() + 5000);
    let waited = -1;
    void limiter.acquire(1).then((ms) => (waited = ms));
    await clock.advance(4999);
    expect(waited).toBe(-1);
    await clock.advance(1);
    expect(waited).toBe(5000);
  });

  test("acquire rejects when its signal aborts", async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(clock);
    limiter.pauseUntil(clock.now() + 5000);
    const controller = new AbortController();
    const pending = limiter.acquire(1, controller.signal);
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toThrow("stop");
  });

  test("on a scaled timing, Telegram's spacing shrinks and the slack for jitter stays", () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(clock, transportTiming(0.1).limits);
    const waits = Array.from({ length: 5 }, () => limiter.reserve(1, clock.now()));
    expect(waits[3]).toBeCloseTo(100 + (1000 / 0.95 - 1000), 1);
    const groups = new RateLimiter(clock, transportTiming(0.1).limits);
    groups.reserve(-5, clock.now());
    expect(groups.reserve(-5, clock.now())).toBeCloseTo(300 + (60_000 / 19 - 3000), 0);
  });

  describe("after a restart (Telegram's counters outlive ours)", () => {
    type Send = { chat: number; at: number };
    /** Reserves `count` messages to each chat; the send times. */
    function reserveAll(clock: FakeClock, limiter: RateLimiter, chats: number[], count: number): Send[] {
      return chats.flatMap((chat) => Array.from({ length: count }, () => ({ chat, at: clock.now() + limiter.reserve(chat, clock.now()) })));
    }
    /** How many of `sends` the emulator's flood control (Telegram's limits) refuses with 429, after `before` went out. */
    function refused(before: Send[], sends: Send[]): number {
      const flood = new FloodControl();
      for (const { chat, at } of before) flood.record("bot", chat, at);
      let count = 0;
      for (const { chat, at } of [...sends].sort((a, b) => a.at - b.at)) {
        if (flood.retryAfter("bot", chat, at) > 0) count++;
        else flood.record("bot", chat, at);
      }
      return count;
    }

    test("chats that got a burst right before the restart draw no 429 after it", async () => {
      const clock = new FakeClock();
      const chats = [1, 2, -5];
      const before = reserveAll(clock, new RateLimiter(clock), chats, 3);
      expect(refused([], before)).toBe(0);
      // A crash and a quick start, 200 ms later: a limiter that forgot gives each chat its burst again.
      await clock.advance(200);
      expect(refused(before, reserveAll(clock, new RateLimiter(clock), chats, 3))).toBeGreaterThan(0);
      const started = clock.now();
      const restarted = new RateLimiter(clock, TELEGRAM_LIMITS, { spentAt: started });
      expect(refused(before, reserveAll(clock, restarted, chats, 5))).toBe(0);
      // The price: the first message to a new chat waits one chat interval after start; later, nothing.
      expect(restarted.reserve(3, started)).toBeGreaterThanOrEqual(1000 / 0.95);
      expect(restarted.reserve(4, started + 10_000)).toBeLessThan(100);
    });
  });
});
