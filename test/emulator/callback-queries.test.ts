import { describe, expect, test } from "bun:test";
import { CALLBACK_ANSWER_TIMEOUT_MS } from "../../src/emulator/callback-queries.ts";
import type { TelegramMessage, TelegramUpdate } from "../../src/emulator/types.ts";
import { ALICE, call, fakeClock, GROUP, makeEmulator, ok, TOKEN } from "./emulator-helpers.ts";

const BOB = { id: 1002, first_name: "Bob" };
const TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid";
const KEYBOARD = {
  inline_keyboard: [
    [{ text: "Approve", callback_data: "h:1042:0" }, { text: "Reject", callback_data: "h:1042:1" }],
    [{ text: "Open", url: "https://erp.example.org/1042" }, { text: "Copy", copy_text: { text: "1042" } }],
  ],
};

async function withKeyboard(chatId = ALICE.id) {
  const clock = fakeClock();
  const emulator = makeEmulator({ now: clock.now, limits: false });
  emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
  emulator.addChat(TOKEN, GROUP);
  const sent = await ok<TelegramMessage>(emulator, "sendMessage", { chat_id: chatId, text: "Invoice 1042", reply_markup: KEYBOARD });
  // Confirm what is queued so far: each test starts from an empty queue.
  const pending = await ok<TelegramUpdate[]>(emulator, "getUpdates");
  await ok(emulator, "getUpdates", { offset: (pending.at(-1)?.update_id ?? 0) + 1 });
  return { clock, emulator, message: sent };
}

describe("a person presses a button", () => {
  test("a callback button queues a callback_query with the message as it is now", async () => {
    const { emulator, message } = await withKeyboard();
    const update = emulator.userPresses({ token: TOKEN, chat_id: ALICE.id, message_id: message.message_id, button: "Reject" });
    const [delivered] = await ok<TelegramUpdate[]>(emulator, "getUpdates");
    expect(delivered).toEqual(update);
    expect(delivered?.callback_query).toEqual({
      id: expect.any(String),
      from: { id: ALICE.id, is_bot: false, first_name: "Alice", username: "alice" },
      message: { ...message },
      chat_instance: expect.any(String),
      data: "h:1042:1",
    });
    // Pick by data too; every press is its own query; chat_instance is stable for the chat.
    const again = emulator.userPresses({ token: TOKEN, chat_id: ALICE.id, message_id: message.message_id, button: { callback_data: "h:1042:0" } });
    expect(again.callback_query?.data).toBe("h:1042:0");
    expect(again.callback_query?.id).not.toBe(update.callback_query?.id);
    expect(again.callback_query?.chat_instance).toBe(update.callback_query?.chat_instance as string);
  });

  test("the query's message does not change with a later edit", async () => {
    const { emulator, message } = await withKeyboard();
    const update = emulator.userPresses({ token: TOKEN, chat_id: ALICE.id, message_id: message.message_id, button: "Approve" });
    await ok(emulator, "editMessageText", { chat_id: ALICE.id, message_id: message.message_id, text: "Approved" });
    expect((await ok<TelegramUpdate[]>(emulator, "getUpdates"))[0]?.callback_query?.message.text).toBe("Invoice 1042");
    expect(update.callback_query?.message.reply_markup).toEqual(KEYBOARD);
  });

  test("in a group the test says who presses; the presser becomes a member", async () => {
    const { emulator, message } = await withKeyboard(GROUP.id);
    const press = { token: TOKEN, chat_id: GROUP.id, message_id: message.message_id, button: "Approve" };
    expect(() => emulator.userPresses(press)).toThrow(/say who presses in group -2001/);
    const update = emulator.userPresses({ ...press, from: BOB });
    expect(update.callback_query?.from).toEqual({ id: BOB.id, is_bot: false, first_name: "Bob" });
    expect(update.callback_query?.message.chat).toEqual({ id: GROUP.id, type: "group", title: "Ops" });
    expect((await ok(emulator, "getChatMember", { chat_id: GROUP.id, user_id: BOB.id })).status).toBe("member");
  });

  test("presses a person could not make are mistakes in the test", async () => {
    const { emulator, message } = await withKeyboard();
    const press = (button: string, message_id = message.message_id, extra = {}) => () =>
      emulator.userPresses({ token: TOKEN, chat_id: ALICE.id, message_id, button, ...extra });
    expect(press("Open")).toThrow(/is a url button: it opens https:\/\/erp\.example\.org\/1042 and sends the bot nothing/);
    expect(press("Copy")).toThrow(/is not a callback button/);
    expect(press("Maybe")).toThrow(/shows no button "Maybe" \(it shows "Approve", "Reject", "Open", "Copy"\)/);
    expect(press("Approve", 1)).toThrow(/message 1 of chat 1001 has no buttons/);
    expect(press("Approve", 99)).toThrow(/does not exist or was deleted/);
    expect(press("Approve", message.message_id, { from: BOB })).toThrow(/user 1002 cannot press buttons in the private chat of user 1001/);
    await ok(emulator, "editMessageReplyMarkup", { chat_id: ALICE.id, message_id: message.message_id });
    expect(press("Approve")).toThrow(/has no buttons/);
    expect(await ok<TelegramUpdate[]>(emulator, "getUpdates")).toEqual([]);
  });

  test("two buttons with one label must be picked by callback_data", async () => {
    const { emulator } = await withKeyboard();
    const twins = { inline_keyboard: [[{ text: "OK", callback_data: "1" }, { text: "OK", callback_data: "2" }]] };
    const sent = await ok<TelegramMessage>(emulator, "sendMessage", { chat_id: ALICE.id, text: "x", reply_markup: twins });
    expect(() => emulator.userPresses({ token: TOKEN, chat_id: ALICE.id, message_id: sent.message_id, button: "OK" })).toThrow(
      /shows 2 buttons "OK"; pick one by \{ callback_data \}/,
    );
  });

  test("allowed_updates filters callback queries like any other kind", async () => {
    const { emulator, message } = await withKeyboard();
    await ok(emulator, "getUpdates", { allowed_updates: ["message"] });
    emulator.userPresses({ token: TOKEN, chat_id: ALICE.id, message_id: message.message_id, button: "Approve" });
    expect(await ok<TelegramUpdate[]>(emulator, "getUpdates")).toEqual([]);
    await ok(emulator, "getUpdates", { allowed_updates: ["callback_query"] });
    emulator.userPresses({ token: TOKEN, chat_id: ALICE.id, message_id: message.message_id, button: "Approve" });
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "filtered out" });
    const updates = await ok<TelegramUpdate[]>(emulator, "getUpdates");
    expect(updates.map((u) => Object.keys(u).filter((k) => k !== "update_id"))).toEqual([["callback_query"]]);
  });
});

describe("answerCallbackQuery", () => {
  test("records the answer once; the person sees its text", async () => {
    const { emulator, message } = await withKeyboard();
    const id = emulator.userPresses({ token: TOKEN, chat_id: ALICE.id, message_id: message.message_id, button: "Approve" }).callback_query?.id ?? "";
    expect(emulator.callbackAnswer(TOKEN, id)).toBeUndefined();
    const answering = emulator.waitForCallbackAnswer(TOKEN, id);
    expect(await call(emulator, "answerCallbackQuery", { callback_query_id: id, text: "Got it", show_alert: true })).toEqual({
      status: 200,
      body: { ok: true, result: true },
    });
    expect(await answering).toMatchObject({ text: "Got it", show_alert: true });
    expect(emulator.callbackAnswer(TOKEN, id)).toMatchObject({ text: "Got it", show_alert: true });
    const twice = await call(emulator, "answerCallbackQuery", { callback_query_id: id, text: "again" });
    expect([twice.status, twice.body.description]).toEqual([400, TOO_OLD]);
    expect(emulator.callbackAnswer(TOKEN, id)?.text).toBe("Got it");
  });

  test("after 15 s of the emulator's clock, or for an unknown id: 'query is too old'", async () => {
    const { clock, emulator, message } = await withKeyboard();
    const press = () => emulator.userPresses({ token: TOKEN, chat_id: ALICE.id, message_id: message.message_id, button: "Approve" }).callback_query?.id ?? "";
    const onTime = press();
    clock.advance(CALLBACK_ANSWER_TIMEOUT_MS);
    expect((await call(emulator, "answerCallbackQuery", { callback_query_id: onTime })).status).toBe(200);
    const late = press();
    clock.advance(CALLBACK_ANSWER_TIMEOUT_MS + 1);
    expect((await call(emulator, "answerCallbackQuery", { callback_query_id: late })).body.description).toBe(TOO_OLD);
    expect(emulator.callbackAnswer(TOKEN, late)).toBeUndefined();
    for (const params of [{ callback_query_id: "nope" }, {}]) {
      expect((await call(emulator, "answerCallbackQuery", params)).body.description).toBe(TOO_OLD);
    }
  });

  test("an answer text over 200 characters is MESSAGE_TOO_LONG and leaves the query open", async () => {
    const { emulator, message } = await withKeyboard();
    const id = emulator.userPresses({ token: TOKEN, chat_id: ALICE.id, message_id: message.message_id, button: "Approve" }).callback_query?.id ?? "";
    expect((await call(emulator, "answerCallbackQuery", { callback_query_id: id, text: "ж".repeat(201) })).body.description).toBe(
      "Bad Request: MESSAGE_TOO_LONG",
    );
    expect((await call(emulator, "answerCallbackQuery", { callback_query_id: id, text: "ж".repeat(200) })).status).toBe(200);
  });

  test("waitForCallbackAnswer rejects clearly when the bot never answers", async () => {
    const { emulator } = await withKeyboard();
    await expect(emulator.waitForCallbackAnswer(TOKEN, "123", 10)).rejects.toThrow(/callback query 123 was not answered within 10 ms/);
  });
});
