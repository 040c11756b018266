// The demo's Alice on the real emulator: what she sees (rendering, what changed since she
// last looked) and what she does (say, press), with the test playing the bot through the
// emulator's Bot API as the gateway would.
import { describe, expect, test } from "bun:test";
import { PERSON, PersonChat, PersonMistake } from "../../src/cli/demo-person.ts";
import { createPlayground } from "../../src/cli/demo-playground.ts";
import type { TelegramMessage, TelegramUpdate } from "../../src/emulator/types.ts";
import { makeEmulator, ok, TOKEN } from "../emulator/emulator-helpers.ts";

const INVOICE_KEYBOARD = {
  inline_keyboard: [
    [
      { text: "Approve", callback_data: "h:0" },
      { text: "Reject", callback_data: "h:1" },
    ],
    [{ text: "Open", url: "https://erp.example/invoice/1042" }],
  ],
};

function setup() {
  const emulator = makeEmulator({ limits: false });
  const person = new PersonChat(emulator, TOKEN);
  emulator.userWrites({ token: TOKEN, from: PERSON, text: "my key" }); // message 1: the bot now knows her chat
  const send = (params: Record<string, unknown>) => ok<TelegramMessage>(emulator, "sendMessage", { chat_id: PERSON.id, ...params });
  // Takes the bot's updates one at a time, confirming each as the next getUpdates does.
  let offset = 0;
  const pendingUpdates = () => ok<TelegramUpdate[]>(emulator, "getUpdates", { offset, timeout: 0 });
  const nextUpdate = async () => {
    const [update] = await pendingUpdates();
    if (!update) throw new Error("the bot has no update to take");
    offset = update.update_id + 1;
    return update;
  };
  return { emulator, person, send, nextUpdate, pendingUpdates };
}

describe("PersonChat.changes: what Alice notices", () => {
  test("new messages, a keyboard change (not an edit), an edit, a reaction, a deletion; each reported once", async () => {
    const { emulator, person, send } = setup();
    expect(person.changes()).toEqual(["new message:\n  #1 Alice:\n    my key"]);
    const invoice = await send({ text: "Invoice 1042 needs your approval", reply_markup: INVOICE_KEYBOARD });
    expect(person.changes()).toEqual(["new message:\n  #2 bot:\n    Invoice 1042 needs your approval\n    [Approve] [Reject]\n    [Open ↗]"]);
    expect(person.changes()).toEqual([]);

    const chosen = { inline_keyboard: [[{ text: "✅ Approve", callback_data: "h:0" }]] };
    await ok(emulator, "editMessageReplyMarkup", { chat_id: PERSON.id, message_id: invoice.message_id, reply_markup: chosen });
    // Telegram clients mark only a changed text as edited.
    expect(person.changes()).toEqual(["buttons changed:\n  #2 bot:\n    Invoice 1042 needs your approval\n    [✅ Approve]"]);

    await ok(emulator, "editMessageText", { chat_id: PERSON.id, message_id: invoice.message_id, text: "✅ Invoice 1042 approved by Alice" });
    expect(person.changes()).toEqual(["edited, buttons removed:\n  #2 bot (edited):\n    ✅ Invoice 1042 approved by Alice"]);

    await ok(emulator, "setMessageReaction", { chat_id: PERSON.id, message_id: 1, reaction: [{ type: "emoji", emoji: "👌" }] });
    expect(person.changes()).toEqual(["reaction 👌:\n  #1 Alice:\n    my key\n    👌 (the bot's reaction)"]);

    await ok(emulator, "deleteMessage", { chat_id: PERSON.id, message_id: invoice.message_id });
    expect(person.changes()).toEqual(["message #2 deleted"]);
    expect(person.renderChat()).toBe("#1 Alice:\n  my key\n  👌 (the bot's reaction)");
  });

  test("a reply quotes the first line of what it answers, cut at 40 characters", async () => {
    const { emulator, person, send } = setup();
    emulator.userWrites({ token: TOKEN, from: PERSON, text: "Where is invoice 1043, and who signed the act of 12 May?\nthanks" });
    await send({ text: "Paid on Monday.", reply_parameters: { message_id: 2 } });
    expect(person.render(person.messages().at(-1)!)).toBe('#3 bot, in reply to #2 ("Where is invoice 1043, and who signed t…"):\n  Paid on Monday.');
  });
});

describe("PersonChat.say and press: what Alice does", () => {
  test("say resolves with the bot's reaction on her message, or its reply", async () => {
    const { emulator, person, nextUpdate } = setup();
    await nextUpdate(); // "my key", unanswered here
    const saying = person.say("Where is invoice 1043?", 5000);
    const { message } = await nextUpdate();
    await ok(emulator, "setMessageReaction", { chat_id: PERSON.id, message_id: message!.message_id, reaction: [{ type: "emoji", emoji: "👌" }] });
    const acknowledged = await saying;
    expect(acknowledged.reply).toBeUndefined();
    expect(acknowledged.sent.reactions).toEqual(["👌"]);

    const asking = person.say("/help", 5000);
    await nextUpdate();
    await ok(emulator, "sendMessage", { chat_id: PERSON.id, text: "Write «my key»" });
    expect((await asking).reply?.message.text).toBe("Write «my key»");
  });

  test("press resolves with Telegram's notice and the keyboard after the bot changed it", async () => {
    const { emulator, person, send, nextUpdate } = setup();
    await nextUpdate();
    const invoice = await send({ text: "Invoice 1042 needs your approval", reply_markup: INVOICE_KEYBOARD });
    person.changes();
    const pressing = person.press("Approve", undefined, 5000);
    const { callback_query } = await nextUpdate();
    expect(callback_query?.data).toBe("h:0");
    await ok(emulator, "answerCallbackQuery", { callback_query_id: callback_query!.id, text: "Got it: Approve" });
    const chosen = { inline_keyboard: [[{ text: "✅ Approve", callback_data: "h:0" }]] };
    await ok(emulator, "editMessageReplyMarkup", { chat_id: PERSON.id, message_id: invoice.message_id, reply_markup: chosen });
    const pressed = await pressing;
    expect(pressed.notice).toBe("Got it: Approve");
    expect(person.render(pressed.message)).toBe("#2 bot:\n  Invoice 1042 needs your approval\n  [✅ Approve]");
    expect(person.changes()).toEqual([
      "buttons changed:\n  #2 bot:\n    Invoice 1042 needs your approval\n    [✅ Approve]",
      'a notice over the chat: "Got it: Approve"',
    ]);
  });

  test("what she could not press is a mistake, and nothing reaches the bot", async () => {
    const { person, send, nextUpdate, pendingUpdates } = setup();
    await nextUpdate();
    await send({ text: "Invoice 1042 needs your approval", reply_markup: INVOICE_KEYBOARD });
    await expect(person.press("Aprove", undefined, 5000)).rejects.toThrow(new PersonMistake(`no message in Alice's chat shows a button "Aprove"`));
    await expect(person.press("Open", undefined, 5000)).rejects.toThrow(/"Open" of message 2 of chat 700100200 is a url button: it opens https:\/\/erp\.example\/invoice\/1042/);
    await expect(person.press("Approve", 1, 5000)).rejects.toThrow(/message 1 of chat 700100200 has no buttons/);
    expect(await pendingUpdates()).toEqual([]);
  });
});

describe("the playground", () => {
  test("shows the chat, refuses mistakes with 400 and other methods with 405, and passes the Bot API through", async () => {
    const { emulator, person } = setup();
    const playground = createPlayground(emulator, person);
    const request = async (path: string, init?: RequestInit) => {
      const response = await playground(new Request(`http://playground.test${path}`, init));
      return { status: response.status, text: await response.text() };
    };
    expect(await request("/demo/inbox")).toEqual({ status: 200, text: "#1 Alice:\n  my key\n" });
    expect(await request("/demo/press", { method: "POST", body: "Approve" })).toEqual({ status: 400, text: `no message in Alice's chat shows a button "Approve"\n` });
    expect(await request("/demo/press?message=x", { method: "POST", body: "Approve" })).toMatchObject({ status: 400, text: expect.stringContaining("?message= must be a message number") });
    expect(await request("/demo/press", { method: "POST", body: " " })).toMatchObject({ status: 400, text: expect.stringContaining("say which button") });
    expect(await request("/demo/say")).toMatchObject({ status: 405 });
    expect(await request("/demo/sya", { method: "POST" })).toMatchObject({ status: 404, text: expect.stringContaining("POST /demo/say") });
    const getMe = await request(`/bot${TOKEN}/getMe`);
    expect(JSON.parse(getMe.text)).toMatchObject({ ok: true, result: { username: "signal_bot" } });
  });
});
