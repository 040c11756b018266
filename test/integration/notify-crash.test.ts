// kill -9 with 100 accepted, undelivered notifications: after a restart every one is
// delivered, in order per chat. `tgsignal serve` runs as a subprocess; the fake Bot API
// (in this process) refuses sends with a 503 until the crash.
import { expect, test } from "bun:test";
import type { FakeBotApi } from "../fakes/fake-bot-api.ts";
import { CRASH_BOT_TOKEN as TOKEN, cleanUpAfterEach, startCrashSandbox } from "./crash-sandbox.ts";
import { timeScaleEnv } from "./boot-gateway.ts";
import { startServe, type ServeProcess } from "./serve-process.ts";

const CLIENT_TOKEN = "crash-test-token-0123456789";
const CHATS = 25;
const SCALE = 0.25;

let api: FakeBotApi | undefined;
let serve: ServeProcess | undefined;
let dir: string | undefined;
cleanUpAfterEach(() => ({ api, serve, dir }));

test("kill -9 with 100 queued notifications: all delivered after restart, in order per chat", async () => {
  // Telegram's limits and backoff run SCALE times as fast, in the fake and the server alike.
  // Not the usual 0.1: a hundred sends at the bot-wide limit right after a restart leave
  // little room, and when this process is starved (the suite runs files in parallel) the
  // fake handles requests late and together, counting some in the wrong 100 ms window.
  const people = Array.from({ length: CHATS }, (_, i) => ({ user: `u${i}`, chat: 6000 + i, key: String(90000000 + i) }));
  let configFile: string;
  ({ api, dir, configFile } = await startCrashSandbox({ prefix: "tgsignal-crash-", people, clientToken: CLIENT_TOKEN, timeScale: SCALE }));

  api.emulator.setOutage(TOKEN, { status: 503 });
  serve = await startServe(configFile, { env: timeScaleEnv(SCALE) });
  // Chats in parallel, each chat's notifications one after another (their accept order).
  const accepted = (
    await Promise.all(
      Array.from({ length: CHATS }, async (_, chat) => {
        const statuses: number[] = [];
        for (let n = chat; n < 100; n += CHATS) {
          const res = await fetch(`${serve!.url}/notify/u${chat}?wait=0`, {
            method: "POST",
            headers: { Authorization: `Bearer ${CLIENT_TOKEN}`, "Content-Type": "text/plain" },
            body: `message ${String(n).padStart(3, "0")}`,
          });
          statuses.push(res.status);
        }
        return statuses;
      }),
    )
  ).flat();
  expect(accepted.every((status) => status === 202)).toBe(true);
  expect(api.emulator.sent()).toHaveLength(0);
  await serve.kill("SIGKILL");

  api.emulator.setOutage(TOKEN, null);
  serve = await startServe(configFile, { env: timeScaleEnv(SCALE) });
  await serve.waitForOutput(/resuming queued notifications/, 5000);
  const deadline = Date.now() + 20_000;
  while (api.emulator.sent().length < 100 && Date.now() < deadline) await Bun.sleep(50);

  const sent = api.emulator.sent();
  expect(new Set(sent.map((m) => m.text)).size).toBe(100);
  for (let i = 0; i < CHATS; i++) {
    const texts = sent.filter((m) => m.chat_id === 6000 + i).map((m) => m.text);
    expect(texts).toEqual([...texts].sort());
    expect(texts).toHaveLength(4);
  }
  // No 429 count here: this fake judges rates by when requests reach it, and on 2 busy
  // cores a starved test process takes the subprocess's evenly spaced sends late and
  // together. That the restarted limiter draws no 429 is shown on a FakeClock
  // (test/telegram/rate-limit.test.ts, "after a restart") and measured by the fanout bench.
  expect(await serve.kill("SIGTERM")).toBe(0);
}, 40_000);
