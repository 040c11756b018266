// The GramIO adapter against the fake Bot API over real HTTP: deadlines abort the request
// (the server sees the connection go), the caller's signal does too, and Telegram's
// answers become our error family. Deadlines run on an injected fake clock.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { NetworkError, TelegramApiError } from "../../src/lib/errors.ts";
import { createGramioBot, createTelegramApi, type TelegramApi } from "../../src/telegram/api.ts";
import { classifyFailure } from "../../src/telegram/outcome.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { startFakeBotApi, type FakeBotApi } from "../fakes/fake-bot-api.ts";

const TOKEN = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA";

let fake: FakeBotApi;
let clock: FakeClock;
let calls: string[];
let api: TelegramApi;

beforeEach(async () => {
  fake = await startFakeBotApi({ bots: [{ token: TOKEN, id: 111111, username: "signal_bot", first_name: "Signal" }] });
  fake.emulator.addChat(TOKEN, { id: 5001, type: "private", first_name: "Ivan" });
  clock = new FakeClock();
  calls = [];
  api = createTelegramApi(createGramioBot({ token: TOKEN, apiUrl: fake.url }), {
    clock,
    timeoutMs: 5000,
    pollMarginMs: 1000,
    onCall: (method, outcome) => calls.push(`${method} ${outcome}`),
  });
});
afterEach(() => fake.close());

/** Waits (in real time: the request crosses a socket) until the server has seen `count` calls of `method`. */
async function arrived(method: string, count = 1): Promise<void> {
  for (let i = 0; fake.requests(method).length < count; i++) {
    if (i > 500) throw new Error(`${method} never reached the server`);
    await Bun.sleep(5);
  }
}

async function abortedAtServer(method: string): Promise<boolean> {
  for (let i = 0; i < 200 && !fake.requests(method)[0]?.aborted; i++) await Bun.sleep(5);
  return fake.requests(method)[0]?.aborted ?? false;
}

test("a call past its deadline is aborted at the server, is an ambiguous network failure, and never delivers later", async () => {
  fake.emulator.setDelay(60_000); // Telegram does not answer
  const sending = api.sendMessage({ chat_id: 5001, text: "exactly once" }).catch((error: unknown) => error);
  await arrived("sendMessage");
  await clock.advance(4999);
  expect(fake.requests("sendMessage")[0]!.aborted).toBe(false);
  await clock.advance(1);
  const error = await sending;
  expect(error).toBeInstanceOf(NetworkError);
  expect((error as Error).message).toContain("no answer within 5s");
  expect(classifyFailure(error)).toMatchObject({ kind: "retryable", source: "network", ambiguous: true });
  // The server saw the client go; the delayed send then stops instead of delivering a duplicate.
  expect(await abortedAtServer("sendMessage")).toBe(true);
  fake.emulator.setDelay(0);
  await Bun.sleep(20);
  expect(fake.emulator.sent()).toHaveLength(0);
  expect(calls).toEqual(["sendMessage network"]);
});

test("the caller's signal aborts the request too (a poll window ending, shutdown)", async () => {
  const stop = new AbortController();
  const polling = api.getUpdates({ timeout: 30 }, { signal: stop.signal }).catch((error: unknown) => error);
  await arrived("getUpdates");
  stop.abort();
  expect(await polling).toBeInstanceOf(NetworkError);
  expect(await abortedAtServer("getUpdates")).toBe(true);
});

test("a long poll's deadline is its timeout plus the margin, not the call deadline", async () => {
  fake.emulator.setDelay(60_000);
  let settled = false;
  const polling = api.getUpdates({ timeout: 20 }).catch((error: unknown) => error).finally(() => (settled = true));
  await arrived("getUpdates");
  await clock.advance(20_999);
  await Bun.sleep(10);
  expect(settled).toBe(false);
  await clock.advance(1);
  expect(((await polling) as Error).message).toContain("no answer within 21s");
  expect(await abortedAtServer("getUpdates")).toBe(true);
});

test("Telegram's refusals become TelegramApiError with retry_after, and an answer ends the deadline", async () => {
  fake.emulator.failNext(TOKEN, "sendMessage", { error_code: 429, description: "Too Many Requests: retry after 3", retry_after: 3 });
  const error = await api.sendMessage({ chat_id: 5001, text: "hi" }).catch((failure: unknown) => failure);
  expect(error).toBeInstanceOf(TelegramApiError);
  expect(error).toMatchObject({ errorCode: 429, retryAfter: 3 });
  expect(await api.sendMessage({ chat_id: 5001, text: "hi" })).toMatchObject({ chat: { id: 5001 } });
  // No deadline is left waiting on the clock once calls have answered.
  expect(clock.pending).toBe(0);
  expect(calls).toEqual(["sendMessage 429", "sendMessage ok"]);
});

test("a rejected token never appears in the error", async () => {
  fake.emulator.revokeToken(TOKEN);
  const error = (await api.getMe().catch((failure: unknown) => failure)) as TelegramApiError;
  expect(error.errorCode).toBe(401);
  expect(JSON.stringify({ message: error.message, description: error.description })).not.toContain(TOKEN);
});
