import { afterEach, describe, expect, test } from "bun:test";
import { Bot, InlineKeyboard, TelegramError, type TelegramUpdate } from "gramio";
import { buttonHandle, packButtonHandle } from "../../src/telegram/button-handle.ts";
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

describe("GramIO reads the two-way updates", () => {
  test("a press on a button of a GramIO InlineKeyboard reaches bot.callbackQuery; answer and edit land", async () => {
    server = await startFakeBotApi({ now: fakeClock().now, bots: [BOT] });
    const bot = new Bot({ token: TOKEN, api: { baseURL: server.baseURL } });
    server.emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    const keyboard = new InlineKeyboard().text("Approve", packButtonHandle("n-1042", 0)).url("Open", "https://erp.example.org/1042");
    const sent = await bot.api.sendMessage({ chat_id: ALICE.id, text: "Invoice 1042", reply_markup: keyboard });

    const pressed: Array<{ notification: string; index: number; from: number }> = [];
    bot.callbackQuery(buttonHandle, async (context) => {
      pressed.push({ ...context.queryData, from: context.from.id });
      await context.answer({ text: "Got it" });
      await context.editText("Invoice 1042: approved");
    });
    const update = server.emulator.userPresses({ token: TOKEN, chat_id: ALICE.id, message_id: sent.message_id, button: "Approve" });
    const [delivered] = (await (await fetch(`${server.url}/bot${TOKEN}/getUpdates?offset=${update.update_id}`)).json() as { result: TelegramUpdate[] }).result;
    await bot.updates.handleUpdate(delivered as TelegramUpdate);

    expect(pressed).toEqual([{ notification: "n-1042", index: 0, from: ALICE.id }]);
    expect(server.emulator.callbackAnswer(TOKEN, update.callback_query?.id ?? "")).toMatchObject({ text: "Got it" });
    expect(server.emulator.message(TOKEN, ALICE.id, sent.message_id)?.message).toMatchObject({ text: "Invoice 1042: approved" });
    expect(server.emulator.keyboard(TOKEN, ALICE.id, sent.message_id)).toBeUndefined();
    expect(server.requests().map((r) => r.method)).toEqual(["sendMessage", "getUpdates", "answerCallbackQuery", "editMessageText"]);
  });

  test("reactions, command menus and deletions through GramIO's API", async () => {
    server = await startFakeBotApi({ bots: [BOT] });
    const bot = new Bot({ token: TOKEN, api: { baseURL: server.baseURL } });
    const written = server.emulator.userWrites({ token: TOKEN, from: ALICE, text: "/tasks" });
    await bot.api.setMessageReaction({ chat_id: ALICE.id, message_id: written.message?.message_id ?? 0, reaction: [{ type: "emoji", emoji: "👌" }] });
    expect(server.emulator.reactions(TOKEN, ALICE.id, 1)).toEqual(["👌"]);
    await bot.api.setMyCommands({ commands: [{ command: "tasks", description: "Мои задачи" }], language_code: "ru" });
    expect(server.emulator.commands(TOKEN, "ru")).toEqual([{ command: "tasks", description: "Мои задачи" }]);
    const reply = await bot.api.sendMessage({ chat_id: ALICE.id, text: "3 tasks", reply_parameters: { message_id: 1 } });
    expect(reply.reply_to_message?.text).toBe("/tasks");
    expect(await bot.api.deleteMessage({ chat_id: ALICE.id, message_id: reply.message_id })).toBe(true);
    const error = await bot.api.deleteMessage({ chat_id: ALICE.id, message_id: reply.message_id }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TelegramError);
    expect((error as TelegramError<"deleteMessage">).message).toBe("Bad Request: message to delete not found");
  });
});
