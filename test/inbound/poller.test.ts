import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TelegramApiError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { GetUpdatesParams, TelegramUpdate } from "../../src/telegram/api.ts";
import { TELEGRAM_TIMING } from "../../src/telegram/timing.ts";
import { Cron } from "croner";
import { Poller, pollWindowEnd, WINDOW_MARGIN_MS, type PollerOptions } from "../../src/inbound/poller.ts";
import { FakeClock } from "../fakes/fake-clock.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tgsignal-poller-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

type Step = TelegramUpdate[] | Error;
const update = (id: number, chat = 1): TelegramUpdate =>
  ({ update_id: id, message: { message_id: id, date: 0, chat: { id: chat, type: "private" }, from: { id: chat, is_bot: false, first_name: "P" }, text: "/key" } }) as TelegramUpdate;

function setup(
  script: Step[],
  dispatch: (u: TelegramUpdate) => Promise<void> = async () => {},
  schedule: { start?: number; pattern?: string; timezone?: string } = {},
) {
  const clock = new FakeClock(schedule.start);
  const calls: GetUpdatesParams[] = [];
  const handled: number[] = [];
  const options: PollerOptions = {
    botId: "main",
    token: "123:abc",
    pattern: schedule.pattern ?? "* * * * *",
    timezone: schedule.timezone ?? null,
    dataDir: dir,
    platform: bunPlatform,
    clock,
    log: createMemoryLogger(),
    random: () => 1,
    timing: TELEGRAM_TIMING,
    client: {
      getMe: async () => ({ id: 123, is_bot: true, first_name: "Bot", username: "signal_bot" }),
      async getUpdates(params, { signal }) {
        calls.push(params);
        const step = script.shift();
        if (step instanceof Error) throw step;
        if (step) return step;
        // An empty script is a long poll that lasts its timeout on the fake clock, or until aborted.
        await clock.sleep((params.timeout ?? 0) * 1000, signal);
        return [];
      },
      dispatch: async (u) => {
        await dispatch(u);
        handled.push(u.update_id);
      },
    },
  };
  return { clock, poller: new Poller(options), calls, handled, options };
}

/** A dispatch that throws a 502 the first time `fails(u)` holds, then succeeds. */
function failOnce(fails: (u: TelegramUpdate) => boolean = () => true) {
  let fail = true;
  return async (u: TelegramUpdate) => {
    if (fail && fails(u)) {
      fail = false;
      throw new TelegramApiError("sendMessage", 502, "Bad Gateway");
    }
  };
}

/** Waits in real time (offset files are real I/O) until `done` holds. */
async function settled(done: () => boolean): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > 1000) throw new Error("the poller never got there");
    await Bun.sleep(2);
  }
}

/** Runs a 5 s window whose first batch fails: the retry comes after the 1 s backoff. */
async function runWindowWithRetry({ clock, poller, calls }: { clock: FakeClock; poller: Poller; calls: unknown[] }): Promise<void> {
  const window = poller.runWindow(clock.now() + 5000);
  await settled(() => poller.status.state === "backoff");
  await clock.advance(1000);
  // The retried batch is confirmed, then a long poll waits for the window's end.
  await settled(() => calls.length === 3);
  await clock.advance(4000);
  await window;
}

test("long-polls until the window ends, confirming each batch by offset and persisting it", async () => {
  const { clock, poller, calls, handled } = setup([[update(10), update(11, 2)], [update(12)]]);
  const window = poller.runWindow(clock.now() + 59_850);
  await settled(() => calls.length === 3);
  // The long poll is never cut at the window's end: the last one's timeout (10 s) ends it.
  await clock.advance(50_000);
  await settled(() => calls.length === 4);
  expect(calls[3]!.timeout).toBe(10);
  await clock.advance(10_000);
  await window;
  expect(handled).toEqual([10, 11, 12]);
  expect(calls.map((c) => c.offset)).toEqual([undefined, 12, 13, 13]);
  expect(calls[0]!.timeout).toBe(50);
  expect(JSON.parse(await readFile(poller.offsetFile, "utf8"))).toEqual({ telegram_bot_id: 123, offset: 13 });
  expect(poller.status).toMatchObject({ state: "idle", username: "signal_bot" });
});

test("a failed batch is not confirmed: the same updates come again", async () => {
  const polling = setup([[update(10)], [update(10)]], failOnce());
  await runWindowWithRetry(polling);
  const { calls, handled } = polling;
  expect(handled).toEqual([10]);
  expect(calls.map((c) => c.offset)).toEqual([undefined, undefined, 11]);
});

test("429 waits retry_after on the injected clock; 401 stops the poller for good", async () => {
  const { clock, poller, calls } = setup([new TelegramApiError("getUpdates", 429, "Too Many Requests", 3), new TelegramApiError("getUpdates", 401, "Unauthorized")]);
  const window = poller.runWindow(clock.now() + 50_000);
  await settled(() => poller.status.state === "backoff");
  expect(calls).toHaveLength(1);
  await clock.advance(2900);
  expect(calls).toHaveLength(1);
  await clock.advance(400);
  await window;
  expect(calls).toHaveLength(2);
  expect(poller.status.state).toBe("unauthorized");
  expect(poller.status.lastError?.kind).toBe("unauthorized");
});

test("stop aborts the open long poll and ends the window", async () => {
  const { clock, poller, calls } = setup([]);
  const window = poller.runWindow(clock.now() + 50_000);
  await settled(() => calls.length === 1);
  await poller.stop();
  await window;
  expect(poller.status.state).toBe("stopped");
});

test("a window lasts until the next tick, but never past the pattern's step: `* 8-20 * * 1-5` stops listening at 21:00", () => {
  const at = (iso: string) => Date.parse(iso);
  const hours = new Cron("* 8-20 * * 1-5", { timezone: "UTC", paused: true });
  expect(pollWindowEnd(hours, at("2026-11-27T10:00:00Z"))).toBe(at("2026-11-27T10:01:00Z") - WINDOW_MARGIN_MS);
  // The last tick on Friday: the next one is Monday 08:00, yet the window ends at 21:00.
  expect(pollWindowEnd(hours, at("2026-11-27T20:59:00Z"))).toBe(at("2026-11-27T21:00:00Z") - WINDOW_MARGIN_MS);
  const everyFive = new Cron("*/5 * * * *", { timezone: "UTC", paused: true });
  expect(pollWindowEnd(everyFive, at("2026-11-27T10:05:00Z"))).toBe(at("2026-11-27T10:10:00Z") - WINDOW_MARGIN_MS);
  const seconds = new Cron("* * * * * *", { timezone: "UTC", paused: true });
  expect(pollWindowEnd(seconds, at("2026-11-27T10:00:00Z"))).toBe(at("2026-11-27T10:00:01Z") - WINDOW_MARGIN_MS);
});

test("stop does not wait for a getMe that hangs (Telegram unreachable): it is aborted like a long poll", async () => {
  const clock = new FakeClock();
  let hanging = 0;
  const hang = (_: unknown, { signal }: { signal?: AbortSignal } = {}) => {
    hanging++;
    return new Promise<never>((_, reject) => signal?.addEventListener("abort", () => reject(new Error("aborted"))));
  };
  const poller = new Poller({
    botId: "main",
    token: "123:abc",
    pattern: "* * * * *",
    timezone: null,
    dataDir: dir,
    platform: bunPlatform,
    clock,
    log: createMemoryLogger(),
    timing: TELEGRAM_TIMING,
    client: { getMe: (options) => hang(undefined, options), getUpdates: hang, dispatch: async () => {} },
  });
  const window = poller.runWindow(clock.now() + 50_000);
  await settled(() => hanging === 1);
  // Nothing moves the fake clock: only aborting the hanging call lets stop() return.
  await poller.stop();
  await window;
  expect(poller.status.state).toBe("stopped");
});

test("the saved offset is read back through the platform, but only for the same Telegram bot", async () => {
  const first = setup([[update(41)]]);
  const window = first.poller.runWindow(first.clock.now() + 1000);
  await settled(() => first.calls.length === 2);
  await first.clock.advance(1000);
  await window;
  const again = setup([]);
  const reads: string[] = [];
  const platform = { ...bunPlatform, readTextFile: (path: string) => (reads.push(path), bunPlatform.readTextFile(path)) };
  const resumed = new Poller({ ...again.options, platform });
  const next = resumed.runWindow(again.clock.now() + 1000);
  await settled(() => again.calls.length === 1);
  await resumed.stop();
  await next;
  expect(reads).toEqual([first.poller.offsetFile]);
  expect(again.calls[0]!.offset).toBe(42);
  // The same bot id in the config with another bot's token: update ids start over.
  const other = setup([]);
  const fresh = new Poller({ ...other.options, token: "999:other" });
  const run = fresh.runWindow(other.clock.now() + 1000);
  await settled(() => other.calls.length === 1);
  await fresh.stop();
  await run;
  expect(other.calls[0]!.offset).toBeUndefined();
});

test("started inside a window (start-up, config change), the bot listens at once, not from the next tick", async () => {
  // Wednesday 10:00:30 UTC: inside the 10:00 window, which ends just before 10:01.
  const inside = setup([], undefined, { start: Date.UTC(2026, 10, 25, 10, 0, 30), pattern: "* 8-20 * * 1-5", timezone: "UTC" });
  inside.poller.start();
  await settled(() => inside.calls.length === 1);
  expect(inside.calls[0]!.timeout).toBe(30);
  await inside.poller.stop();
  // 21:30: the last window (20:59) is over, so the bot stays quiet until 08:00.
  const outside = setup([], undefined, { start: Date.UTC(2026, 10, 25, 21, 30, 0), pattern: "* 8-20 * * 1-5", timezone: "UTC" });
  outside.poller.start();
  await Bun.sleep(20);
  expect(outside.calls).toHaveLength(0);
  await outside.poller.stop();
});

test("two pollers of the same bot id can be scheduled in one process (two gateways in one test run)", async () => {
  const first = setup([], undefined, { pattern: "0 0 1 1 *" });
  const second = setup([], undefined, { pattern: "0 0 1 1 *" });
  first.poller.start();
  expect(() => second.poller.start()).not.toThrow();
  await first.poller.stop();
  await second.poller.stop();
});

test("a batch retried after one chat's failure does not handle the other chats' updates again (no second /stop, no repeated replies)", async () => {
  const dispatched: number[] = [];
  const failFirst10 = failOnce((u) => u.update_id === 10);
  const polling = setup([[update(10, 1), update(11, 2)], [update(10, 1), update(11, 2)]], async (u) => {
    dispatched.push(u.update_id);
    await failFirst10(u);
  });
  await runWindowWithRetry(polling);
  const { calls, handled } = polling;
  expect(calls.map((c) => c.offset)).toEqual([undefined, undefined, 12]);
  expect(dispatched.filter((id) => id === 11)).toHaveLength(1);
  expect(handled.sort()).toEqual([10, 11]);
});

test("button presses are asked for (allowed_updates) and kept in order with the pressed message's chat", async () => {
  const pressIn = (id: number, chat: number): TelegramUpdate =>
    ({
      update_id: id,
      callback_query: { id: `q${id}`, from: { id: 77, is_bot: false, first_name: "P" }, chat_instance: "c", data: "x", message: { message_id: 1, date: 0, chat: { id: chat, type: "group", title: "G" } } },
    }) as TelegramUpdate;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const order: number[] = [];
  const polling = setup([[update(10, -5), pressIn(11, -5), update(12, 2)]], async (u) => {
    if (u.update_id === 10) await held;
    order.push(u.update_id);
  });
  const window = polling.poller.runWindow(polling.clock.now() + 5000);
  await settled(() => order.length === 1);
  // The other chat went ahead; the press waits for the message before it in its chat.
  expect(order).toEqual([12]);
  release();
  await settled(() => polling.calls.length === 2);
  expect(order).toEqual([12, 10, 11]);
  expect(polling.calls[0]!.allowed_updates).toEqual(["message", "callback_query", "my_chat_member"]);
  await polling.clock.advance(5000);
  await window;
});
