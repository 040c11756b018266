import { afterEach, describe, expect, test } from "bun:test";
import { Bot, TelegramError } from "gramio";
import { type FakeBotApi, startFakeBotApi } from "../fakes/fake-bot-api.ts";
import { ALICE, fakeClock, TOKEN } from "./emulator-helpers.ts";

const BOT = { token: TOKEN, id: 123456, username: "signal_bot", first_name: "Signal" };

let server: FakeBotApi | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("startFakeBotApi: a real HTTP server GramIO can talk to", () => {
  test("getMe, sendMessage and a 429 TelegramError with retry_after", async () => {
    const clock = fakeClock();
    server = await startFakeBotApi({ now: clock.now, bots: [BOT] });
    expect(server.apiUrl()).toBe(server.url);
    const bot = new Bot({ token: TOKEN, api: { baseURL: `${server.url}/bot` } });

    const me = await bot.api.getMe();
    expect(me).toMatchObject({ id: 123456, is_bot: true, username: "signal_bot" });

    server.emulator.userWrites({ token: TOKEN, from: ALICE, text: "/key" });
    const sent = await bot.api.sendMessage({ chat_id: ALICE.id, text: "<b>42</b>", parse_mode: "HTML" });
    expect(sent.text).toBe("42");
    expect(server.emulator.sent(TOKEN)).toHaveLength(1);

    server.emulator.failNext(TOKEN, "sendMessage", {
      error_code: 429,
      description: "Too Many Requests: retry after 3",
      retry_after: 3,
    });
    const error = await bot.api.sendMessage({ chat_id: ALICE.id, text: "again" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TelegramError);
    const telegramError = error as TelegramError<"sendMessage">;
    expect(telegramError.code).toBe(429);
    expect(telegramError.payload?.retry_after).toBe(3);
  });

  test("flood limit 429 reaches GramIO with payload.retry_after", async () => {
    server = await startFakeBotApi({ now: fakeClock().now, bots: [BOT], limits: { perChatBurst: 1 } });
    const bot = new Bot({ token: TOKEN, api: { baseURL: server.baseURL } });
    server.emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    await bot.api.sendMessage({ chat_id: ALICE.id, text: "one" });
    const error = await bot.api.sendMessage({ chat_id: ALICE.id, text: "two" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TelegramError);
    expect((error as TelegramError<"sendMessage">).payload?.retry_after).toBe(1);
  });

  test("a long poll over HTTP is answered when a person writes", async () => {
    server = await startFakeBotApi({ bots: [BOT] });
    const polling = fetch(`${server.url}/bot${TOKEN}/getUpdates?timeout=20`).then((r) => r.json());
    await Bun.sleep(20);
    server.emulator.userWrites({ token: TOKEN, from: ALICE, text: "мой ключ" });
    expect(await polling).toMatchObject({ ok: true, result: [{ message: { text: "мой ключ" } }] });
  });

  test("a client that disconnects releases its long poll", async () => {
    server = await startFakeBotApi({ bots: [BOT] });
    const controller = new AbortController();
    const polling = fetch(`${server.url}/bot${TOKEN}/getUpdates?timeout=20`, { signal: controller.signal });
    await Bun.sleep(20);
    expect(server.emulator.isPolling(TOKEN)).toBe(true);
    controller.abort();
    await expect(polling).rejects.toThrow();
    for (let i = 0; i < 100 && server.emulator.isPolling(TOKEN); i++) await Bun.sleep(5);
    expect(server.emulator.isPolling(TOKEN)).toBe(false);
    // A new poll is not a conflict with a dead one: it simply gets the updates.
    server.emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    const response = await fetch(`${server.url}/bot${TOKEN}/getUpdates`);
    expect(await response.json()).toMatchObject({ ok: true, result: [{ message: { text: "hi" } }] });
  });
});
