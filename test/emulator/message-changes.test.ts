import { describe, expect, test } from "bun:test";
import { DELETE_WINDOW_MS } from "../../src/emulator/delete-message.ts";
import type { TelegramMessage } from "../../src/emulator/types.ts";
import { ALICE, call, fakeClock, GROUP, makeEmulator, ok, TOKEN } from "./emulator-helpers.ts";

const NOT_MODIFIED =
  "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";
const BUTTONS = { inline_keyboard: [[{ text: "Approve", callback_data: "a" }, { text: "Reject", callback_data: "r" }]] };

function setup() {
  const clock = fakeClock();
  const emulator = makeEmulator({ now: clock.now, limits: false });
  emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" }); // message 1
  const send = (params: Record<string, unknown> = {}) =>
    ok<TelegramMessage>(emulator, "sendMessage", { chat_id: ALICE.id, text: "<b>Invoice</b> 1042", parse_mode: "HTML", ...params });
  return { clock, emulator, send };
}

describe("sendMessage as a reply", () => {
  test("reply_parameters and the older reply_to_message_id nest the replied message", async () => {
    const { emulator, send } = setup();
    expect((await send({ reply_parameters: { message_id: 1 } })).reply_to_message).toMatchObject({ message_id: 1, text: "hi" });
    expect((await send({ reply_to_message_id: 1 })).reply_to_message?.message_id).toBe(1);
    expect(emulator.message(TOKEN, ALICE.id, 2)?.message.reply_to_message?.text).toBe("hi");
  });

  test("an unknown or deleted message is 400 'message to be replied not found' unless allow_sending_without_reply", async () => {
    const { emulator, send } = setup();
    const bot = await send();
    await ok(emulator, "deleteMessage", { chat_id: ALICE.id, message_id: bot.message_id });
    for (const message_id of [99, bot.message_id]) {
      const refused = await call(emulator, "sendMessage", { chat_id: ALICE.id, text: "re", reply_parameters: { message_id } });
      expect([refused.status, refused.body.description]).toEqual([400, "Bad Request: message to be replied not found"]);
    }
    const plain = await send({ reply_parameters: { message_id: 99, allow_sending_without_reply: true } });
    expect(plain.reply_to_message).toBeUndefined();
    expect(emulator.sent(TOKEN)).toHaveLength(2);
  });

  test("reply_parameters without message_id is refused", async () => {
    const { emulator } = setup();
    const refused = await call(emulator, "sendMessage", { chat_id: ALICE.id, text: "re", reply_parameters: { quote: "hi" } });
    expect(refused.body.description).toBe(`Bad Request: can't find field "message_id"`);
  });
});

describe("editMessageText", () => {
  test("changes text and entities, sets edit_date, and returns the edited message", async () => {
    const { clock, emulator, send } = setup();
    const sent = await send({ reply_markup: BUTTONS });
    clock.advance(60_000);
    const edited = await ok<TelegramMessage>(emulator, "editMessageText", {
      chat_id: ALICE.id,
      message_id: sent.message_id,
      text: "Invoice 1042: <i>approved</i>",
      parse_mode: "HTML",
    });
    expect(edited).toMatchObject({ message_id: sent.message_id, text: "Invoice 1042: approved", edit_date: Math.floor(clock.now() / 1000) });
    expect(edited.entities).toEqual([{ type: "italic", offset: 14, length: 8 }]);
    // Without reply_markup the keyboard goes, as in Telegram.
    expect(edited.reply_markup).toBeUndefined();
    expect(emulator.message(TOKEN, ALICE.id, sent.message_id)).toMatchObject({
      raw_text: "Invoice 1042: <i>approved</i>",
      edited_at: clock.now(),
      message: { text: "Invoice 1042: approved" },
    });
    expect(emulator.keyboard(TOKEN, ALICE.id, sent.message_id)).toBeUndefined();
  });

  test("keeps a keyboard that is passed again; the same text and keyboard is 'message is not modified'", async () => {
    const { emulator, send } = setup();
    const sent = await send({ reply_markup: BUTTONS });
    const same = { chat_id: ALICE.id, message_id: sent.message_id, text: "<b>Invoice</b> 1042", parse_mode: "HTML" };
    expect(await call(emulator, "editMessageText", { ...same, reply_markup: BUTTONS })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: NOT_MODIFIED },
    });
    // Same text, but the keyboard would go: that is a change.
    expect((await ok<TelegramMessage>(emulator, "editMessageText", same)).reply_markup).toBeUndefined();
    // Same characters without the bold entity: also a change.
    expect((await call(emulator, "editMessageText", { chat_id: ALICE.id, message_id: sent.message_id, text: "Invoice 1042" })).status).toBe(200);
  });

  test("refusals: unknown or deleted message, a person's message, empty or bad text", async () => {
    const { emulator, send } = setup();
    const sent = await send();
    const edit = (params: Record<string, unknown>) => call(emulator, "editMessageText", { chat_id: ALICE.id, text: "new", ...params });
    expect((await edit({ message_id: 99 })).body.description).toBe("Bad Request: message to edit not found");
    expect((await edit({ message_id: 1 })).body.description).toBe("Bad Request: message can't be edited");
    expect((await edit({ message_id: sent.message_id, text: " " })).body.description).toBe("Bad Request: message text is empty");
    expect((await edit({ message_id: sent.message_id, text: "<b>x", parse_mode: "HTML" })).body.description).toStartWith(
      "Bad Request: can't parse entities",
    );
    expect((await edit({ message_id: sent.message_id, reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "x".repeat(65) }]] } })).body.description)
      .toBe("Bad Request: BUTTON_DATA_INVALID");
    expect(emulator.message(TOKEN, ALICE.id, sent.message_id)?.message.text).toBe("Invoice 1042");
    await ok(emulator, "deleteMessage", { chat_id: ALICE.id, message_id: sent.message_id });
    expect((await edit({ message_id: sent.message_id })).body.description).toBe("Bad Request: message to edit not found");
    expect((await call(emulator, "editMessageText", { chat_id: 4242, message_id: 1, text: "x" })).body.description).toBe("Bad Request: chat not found");
  });
});

describe("editMessageReplyMarkup", () => {
  test("replaces the keyboard, removes it without reply_markup, refuses a no-op", async () => {
    const { emulator, send } = setup();
    const sent = await send({ reply_markup: BUTTONS });
    const target = { chat_id: ALICE.id, message_id: sent.message_id };
    const chosen = { inline_keyboard: [[{ text: "✅ Approve", callback_data: "noop" }]] };
    expect((await ok<TelegramMessage>(emulator, "editMessageReplyMarkup", { ...target, reply_markup: chosen })).reply_markup).toEqual(chosen);
    expect((await call(emulator, "editMessageReplyMarkup", { ...target, reply_markup: chosen })).body.description).toBe(NOT_MODIFIED);
    const removed = await ok<TelegramMessage>(emulator, "editMessageReplyMarkup", target);
    expect([removed.reply_markup, removed.text]).toEqual([undefined, "Invoice 1042"]);
    expect((await call(emulator, "editMessageReplyMarkup", target)).body.description).toBe(NOT_MODIFIED);
    expect((await call(emulator, "editMessageReplyMarkup", { chat_id: ALICE.id, message_id: 1 })).body.description).toBe(
      "Bad Request: message can't be edited",
    );
  });
});

describe("deleteMessage", () => {
  test("deletes within 48 hours of sending; the chat stops showing it; a second delete is 'not found'", async () => {
    const { clock, emulator, send } = setup();
    const sent = await send();
    clock.advance(DELETE_WINDOW_MS - 1);
    expect(await call(emulator, "deleteMessage", { chat_id: ALICE.id, message_id: sent.message_id })).toEqual({ status: 200, body: { ok: true, result: true } });
    expect(emulator.messages(TOKEN, ALICE.id).map((m) => m.message.message_id)).toEqual([1]);
    expect(emulator.message(TOKEN, ALICE.id, sent.message_id)?.deleted).toBe(true);
    const again = await call(emulator, "deleteMessage", { chat_id: ALICE.id, message_id: sent.message_id });
    expect(again.body.description).toBe("Bad Request: message to delete not found");
  });

  test("older than 48 hours by the emulator's clock: 'message can't be deleted for everyone'", async () => {
    const { clock, emulator, send } = setup();
    const sent = await send();
    clock.advance(DELETE_WINDOW_MS);
    const refused = await call(emulator, "deleteMessage", { chat_id: ALICE.id, message_id: sent.message_id });
    expect([refused.status, refused.body.description]).toEqual([400, "Bad Request: message can't be deleted for everyone"]);
    expect(emulator.message(TOKEN, ALICE.id, sent.message_id)?.deleted).toBe(false);
  });

  test("people's messages: deletable in a private chat; in a group only by an administrator bot", async () => {
    const { emulator } = setup();
    expect((await call(emulator, "deleteMessage", { chat_id: ALICE.id, message_id: 1 })).status).toBe(200);
    emulator.userWrites({ token: TOKEN, chat: GROUP, from: ALICE, text: "in the group" });
    const inGroup = { chat_id: GROUP.id, message_id: 1 };
    expect((await call(emulator, "deleteMessage", inGroup)).body.description).toBe("Bad Request: message can't be deleted");
    emulator.setChatMember(TOKEN, GROUP.id, { id: 123456, is_bot: true, first_name: "Signal" }, "administrator");
    expect((await call(emulator, "deleteMessage", inGroup)).status).toBe(200);
  });
});

describe("setMessageReaction", () => {
  const react = (emulator: ReturnType<typeof makeEmulator>, reaction: unknown, message_id = 1) =>
    call(emulator, "setMessageReaction", { chat_id: ALICE.id, message_id, ...(reaction === undefined ? {} : { reaction }) });

  test("records the bot's emoji on the message; a new one replaces it, [] or none removes it", async () => {
    const { emulator } = setup();
    expect((await react(emulator, [{ type: "emoji", emoji: "👌" }])).body).toEqual({ ok: true, result: true });
    expect(emulator.reactions(TOKEN, ALICE.id, 1)).toEqual(["👌"]);
    await react(emulator, [{ type: "emoji", emoji: "✍" }]);
    expect(emulator.reactions(TOKEN, ALICE.id, 1)).toEqual(["✍"]);
    await react(emulator, []);
    expect(emulator.reactions(TOKEN, ALICE.id, 1)).toEqual([]);
    await react(emulator, JSON.stringify([{ type: "emoji", emoji: "👍" }]));
    await react(emulator, undefined);
    expect(emulator.reactions(TOKEN, ALICE.id, 1)).toEqual([]);
  });

  test("only the emoji Telegram allows bots, one at a time", async () => {
    const { emulator } = setup();
    const cases: Array<[unknown, string]> = [
      [[{ type: "emoji", emoji: "❤️" }], "Bad Request: REACTION_INVALID"], // with U+FE0F: not in the list
      [[{ type: "emoji", emoji: "🦖" }], "Bad Request: REACTION_INVALID"],
      [[{ type: "custom_emoji", custom_emoji_id: "5368324170671202286" }], "Bad Request: REACTION_INVALID"],
      [[{ type: "emoji", emoji: "👍" }, { type: "emoji", emoji: "👌" }], "Bad Request: REACTIONS_TOO_MANY"],
      [[{ type: "paid" }], "Bad Request: can't parse ReactionType: invalid reaction type specified"],
      [{ type: "emoji", emoji: "👍" }, "Bad Request: expected an Array of ReactionType"],
    ];
    for (const [reaction, description] of cases) expect((await react(emulator, reaction)).body.description).toBe(description);
    expect(emulator.reactions(TOKEN, ALICE.id, 1)).toEqual([]);
    expect((await react(emulator, [{ type: "emoji", emoji: "❤" }])).status).toBe(200);
  });

  test("an unknown or deleted message is 'message to react not found'", async () => {
    const { emulator } = setup();
    expect((await react(emulator, [{ type: "emoji", emoji: "👌" }], 42)).body.description).toBe("Bad Request: message to react not found");
    await ok(emulator, "deleteMessage", { chat_id: ALICE.id, message_id: 1 });
    expect((await react(emulator, [{ type: "emoji", emoji: "👌" }], 1)).body.description).toBe("Bad Request: message to react not found");
  });
});
