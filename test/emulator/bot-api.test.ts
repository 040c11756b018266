import { describe, expect, test } from "bun:test";
import { BotApiEmulator } from "../../src/emulator/bot-api.ts";
import { ALICE, call, makeEmulator, ok, OTHER_TOKEN, TOKEN } from "./emulator-helpers.ts";

describe("BotApiEmulator: routing and auth", () => {
  test("getMe returns the bot as a User", async () => {
    const emulator = makeEmulator();
    const me = await ok(emulator, "getMe");
    expect(me).toMatchObject({ id: 123456, is_bot: true, username: "signal_bot", first_name: "Signal" });
  });

  test("unknown and revoked tokens are 401 Unauthorized", async () => {
    const emulator = makeEmulator();
    expect(await call(emulator, "getMe", {}, { token: OTHER_TOKEN })).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: "Unauthorized" },
    });
    emulator.revokeToken(TOKEN);
    expect((await call(emulator, "getMe")).status).toBe(401);
  });

  test("unknown method and foreign paths are 404 Not Found", async () => {
    const emulator = makeEmulator();
    expect(await call(emulator, "sendTelepathy")).toEqual({
      status: 404,
      body: { ok: false, error_code: 404, description: "Not Found" },
    });
    const response = await emulator.fetch(new Request("http://api.test/favicon.ico"));
    expect(response.status).toBe(404);
  });

  test("method names are case-insensitive, as in Telegram", async () => {
    const emulator = makeEmulator();
    expect((await call(emulator, "GETME")).body.ok).toBe(true);
    expect(emulator.stats().calls.getMe).toBe(1);
  });

  test("parameters arrive as query string, form-urlencoded or JSON", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    const base = `http://api.test/bot${TOKEN}/sendMessage`;

    const viaGet = await emulator.fetch(new Request(`${base}?chat_id=1001&text=get`));
    expect(await viaGet.json()).toMatchObject({ ok: true, result: { text: "get" } });

    const form = new URLSearchParams({
      chat_id: "1001",
      text: "form",
      disable_notification: "true",
      reply_parameters: JSON.stringify({ message_id: 1 }),
    });
    const viaForm = await emulator.fetch(new Request(base, { method: "POST", body: form }));
    expect(await viaForm.json()).toMatchObject({ ok: true, result: { text: "form" } });
    expect(emulator.sent(TOKEN, { text: "form" })[0]).toMatchObject({
      chat_id: 1001,
      disable_notification: true,
      reply_parameters: { message_id: 1 },
    });

    const bad = await emulator.fetch(
      new Request(base, { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" }),
    );
    expect(bad.status).toBe(400);
  });
});

describe("BotApiEmulator: webhooks", () => {
  test("getWebhookInfo has url \"\" until setWebhook; deleteWebhook clears it", async () => {
    const emulator = makeEmulator();
    expect(await ok(emulator, "getWebhookInfo")).toMatchObject({ url: "", pending_update_count: 0 });

    const set = await call(emulator, "setWebhook", { url: "https://example.org/hook" });
    expect(set.body).toEqual({ ok: true, result: true, description: "Webhook was set" });
    expect(await ok(emulator, "getWebhookInfo")).toMatchObject({ url: "https://example.org/hook" });

    const deleted = await call(emulator, "deleteWebhook");
    expect(deleted.body).toMatchObject({ ok: true, result: true, description: "Webhook was deleted" });
    expect(await ok(emulator, "getWebhookInfo")).toMatchObject({ url: "" });
  });

  test("deleteWebhook with drop_pending_updates empties the queue", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "one" });
    expect(await ok(emulator, "getWebhookInfo")).toMatchObject({ pending_update_count: 1 });
    await ok(emulator, "deleteWebhook", { drop_pending_updates: true });
    expect(await ok<unknown[]>(emulator, "getUpdates")).toEqual([]);
  });

  test("setWebhook requires an HTTPS URL", async () => {
    const emulator = makeEmulator();
    const { status, body } = await call(emulator, "setWebhook", { url: "http://example.org/hook" });
    expect(status).toBe(400);
    expect(body.description).toContain("HTTPS URL");
  });
});

describe("BotApiEmulator: failure injection and counters", () => {
  test("failNext fails the next N calls of one method, then recovers", async () => {
    const emulator = makeEmulator();
    emulator.failNext(TOKEN, "getMe", { error_code: 429, description: "Too Many Requests: retry after 7", retry_after: 7, times: 2 });
    for (let i = 0; i < 2; i++) {
      expect(await call(emulator, "getMe")).toEqual({
        status: 429,
        body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } },
      });
    }
    expect((await call(emulator, "getMe")).status).toBe(200);
    expect(emulator.stats().tooManyRequests).toBe(2);
  });

  test("failNext is per method: other methods are unaffected", async () => {
    const emulator = makeEmulator();
    emulator.failNext(TOKEN, "sendMessage", { error_code: 500, description: "Internal Server Error" });
    expect((await call(emulator, "getMe")).status).toBe(200);
  });

  test("setOutage fails every call (one bot or \"*\") until cleared", async () => {
    const emulator = makeEmulator();
    emulator.setOutage(TOKEN, { status: 502 });
    expect(await call(emulator, "getMe")).toEqual({
      status: 502,
      body: { ok: false, error_code: 502, description: "Bad Gateway" },
    });
    expect((await call(emulator, "getUpdates")).status).toBe(502);
    emulator.setOutage(TOKEN, null);
    emulator.setOutage("*", { status: 503, description: "Service Unavailable: maintenance" });
    expect((await call(emulator, "getMe")).body.description).toBe("Service Unavailable: maintenance");
    emulator.setOutage("*", null);
    expect((await call(emulator, "getMe")).status).toBe(200);
  });

  test("setDelay adds latency to every call", async () => {
    const emulator = makeEmulator();
    emulator.setDelay(40);
    const started = performance.now();
    await ok(emulator, "getMe");
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });

  test("stats counts calls per method and sends per bot", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    await ok(emulator, "getMe");
    await ok(emulator, "sendMessage", { chat_id: ALICE.id, text: "a" });
    await call(emulator, "sendMessage", { chat_id: 999, text: "b" });
    expect(emulator.stats()).toEqual({
      calls: { getMe: 1, sendMessage: 2 },
      tooManyRequests: 0,
      sendsByBot: { signal_bot: 1 },
      uploadsByBot: {},
      fileIdReusesByBot: {},
    });
  });
});

describe("BotApiEmulator: observing sends", () => {
  test("sent() filters by bot, chat and text", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    await ok(emulator, "sendMessage", { chat_id: ALICE.id, text: "alpha" });
    await ok(emulator, "sendMessage", { chat_id: ALICE.id, text: "beta" });
    expect(emulator.sent().map((m) => m.text)).toEqual(["alpha", "beta"]);
    expect(emulator.sent(TOKEN, { text: /^b/ }).map((m) => m.text)).toEqual(["beta"]);
    expect(emulator.sent(OTHER_TOKEN)).toEqual([]);
    expect(emulator.sent(undefined, (m) => m.message_id === 2)[0]?.text).toBe("alpha");
  });

  test("waitForSent resolves on a later send and rejects clearly on timeout", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    const waiting = emulator.waitForSent((m) => m.text === "later", 1000);
    await ok(emulator, "sendMessage", { chat_id: ALICE.id, text: "later" });
    expect((await waiting).chat_id).toBe(ALICE.id);

    await expect(emulator.waitForSent((m) => m.text === "never", 20)).rejects.toThrow(
      /no matching message was sent within 20 ms \(1 sent in total/,
    );
  });
});

test("getChatMember: a group's writers are members, an admin is whom the test sets, a stranger is 400 user not found", async () => {
  const emulator = new BotApiEmulator();
  const token = "42:member-test";
  emulator.addBot({ token, id: 42, username: "member_bot", first_name: "M" });
  const chat = { id: -300, type: "group" as const, title: "G" };
  emulator.userWrites({ token, chat, from: { id: 1, first_name: "A" }, text: "hi" });
  emulator.setChatMember(token, chat.id, { id: 2, is_bot: false, first_name: "B" }, "administrator");
  const call = async (userId: number, chatId = chat.id) =>
    (await emulator.fetch(new Request(`http://x/bot${token}/getChatMember?chat_id=${chatId}&user_id=${userId}`))).json();
  expect(await call(1)).toMatchObject({ ok: true, result: { status: "member", user: { id: 1 } } });
  expect(await call(2)).toMatchObject({ ok: true, result: { status: "administrator" } });
  expect(await call(3)).toEqual({ ok: false, error_code: 400, description: "Bad Request: user not found" });
  expect(await call(1, -999)).toMatchObject({ ok: false, description: "Bad Request: chat not found" });
});

describe("BotApiEmulator: what people see, and waiting for it", () => {
  test("waitForMessage resolves once the message gets there (here: its keyboard goes)", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    const buttons = { inline_keyboard: [[{ text: "Approve", callback_data: "a" }]] };
    await ok(emulator, "sendMessage", { chat_id: ALICE.id, text: "Invoice", reply_markup: buttons });
    const changes: number[] = [];
    const unwatch = emulator.watchChanges(() => changes.push(changes.length));
    const settled = emulator.waitForMessage(TOKEN, ALICE.id, 2, (m) => m.message.reply_markup === undefined);
    await ok(emulator, "editMessageReplyMarkup", { chat_id: ALICE.id, message_id: 2 });
    expect((await settled).message.text).toBe("Invoice");
    unwatch();
    await ok(emulator, "setMessageReaction", { chat_id: ALICE.id, message_id: 1, reaction: [{ type: "emoji", emoji: "👌" }] });
    expect(changes).toEqual([0]);
    await expect(emulator.waitForMessage(TOKEN, ALICE.id, 2, (m) => m.deleted, 10)).rejects.toThrow(
      /message 2 of chat 1001 did not get there within 10 ms; it is now \{"message":\{"message_id":2/,
    );
  });

  test("helpers hand out copies: changing them changes nothing", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    const [first] = emulator.messages(TOKEN, ALICE.id);
    if (first) first.message.text = "changed";
    expect(emulator.message(TOKEN, ALICE.id, 1)?.message.text).toBe("hi");
    expect(emulator.messages(TOKEN, 4242)).toEqual([]);
    expect(emulator.message(TOKEN, ALICE.id, 99)).toBeUndefined();
    expect(emulator.reactions(TOKEN, ALICE.id, 99)).toEqual([]);
  });
});
