// Button presses (callback_query) through the conversation on a client's GramIO bot: the
// answer at once, one event per message, the keyboard showing the choice, later presses
// answered with it, keep_buttons, and handles that are unknown, foreign or malformed.
import { afterEach, expect, test } from "bun:test";
import { TelegramApiError } from "../../src/lib/errors.ts";
import { buttonHandle, packButtonHandle } from "../../src/telegram/button-handle.ts";
import { ANNA, GROUP, IVAN, press, twoWay, type TwoWay } from "./two-way-fixture.ts";

let t: TwoWay;
afterEach(() => t.close());

const BUTTONS = [
  [
    { text: "Approve", data: "approve:42" },
    { text: "Reject", data: "reject:42" },
  ],
  [{ text: "Open", url: "https://erp.example/invoices/42" }],
];
const APPROVE = packButtonHandle("n1", 0);
const REJECT = packButtonHandle("n1", 1);

/** Notification n1 with BUTTONS, delivered to `chatId` as our messages 54 and 55 (the buttons under 55). */
async function withNotification(options: { chatId?: number; user?: string; keepButtons?: boolean; connect?: boolean } = {}) {
  const chatId = options.chatId ?? IVAN.id;
  const user = options.user ?? "ivanov";
  const key = options.connect === false ? "48213977" : await t.connect(chatId, user, chatId < 0 ? "group" : "private");
  t.notifications.set("n1", {
    id: "n1",
    buttons: BUTTONS,
    keepButtons: options.keepButtons,
    recipients: [
      { user: "someone", key: "51928374", bot: "main", chatId: 9999, messageIds: [55] },
      { user, key, bot: "main", chatId, messageIds: [54, 55] },
    ],
  });
  return key;
}

const answers = () => t.called("answerCallbackQuery").map((call) => call.params.text);
const keyboards = () => t.called("editMessageReplyMarkup").map((call) => call.params);

test("a press is answered at once, becomes one button event, then the keyboard shows the choice with the same handle", async () => {
  t = await twoWay();
  const key = await withNotification();
  const release = t.inbox.hold();
  const received = t.clock.now();
  const dispatched = t.client.dispatch(press(1, APPROVE, { messageId: 55 }));
  await t.until(() => answers().length === 1);
  // Answered while the event is still being written.
  expect(t.called("answerCallbackQuery")[0]!.params).toEqual({ callback_query_id: "q1", text: "Got it: Approve" });
  expect(t.inbox.events).toHaveLength(0);
  release();
  await dispatched;
  expect(t.inbox.events.map((stored) => stored.event)).toEqual([
    {
      id: "1",
      type: "button",
      at: new Date(received).toISOString(),
      bot: "main",
      user: "ivanov",
      key,
      chat_id: IVAN.id,
      message_id: 55,
      from: { id: IVAN.id, username: "ivan", name: "Ivan Petrov" },
      text: null,
      command: null,
      args: null,
      reply_to: null,
      files: [],
      data: "approve:42",
      button: "Approve",
      notification: "n1",
    },
  ]);
  await t.until(() => keyboards().length === 1);
  expect(keyboards()[0]).toEqual({ chat_id: IVAN.id, message_id: 55, reply_markup: { inline_keyboard: [[{ text: "✅ Approve", callback_data: APPROVE }]] } });
  expect(t.metrics).toEqual({ presses: ["event"], acksFailed: [] });
});

test("a double press, or a press on another button of a decided message, makes no second event: answered with what was chosen", async () => {
  t = await twoWay();
  await withNotification();
  await t.client.dispatch(press(1, APPROVE, { messageId: 55 }));
  await t.client.dispatch(press(2, APPROVE, { messageId: 55 }));
  await t.client.dispatch(press(3, REJECT, { messageId: 55 }));
  expect(t.inbox.events).toHaveLength(1);
  await t.until(() => answers().length === 3);
  expect(answers()).toEqual(["Got it: Approve", "✅ Approve", "✅ Approve"]);
  expect(t.metrics.presses).toEqual(["event", "decided", "decided"]);
  // The keyboard edit is coalesced per message; it always shows the decision.
  await t.settle();
  for (const edit of keyboards()) expect(edit.reply_markup).toMatchObject({ inline_keyboard: [[{ text: "✅ Approve" }]] });
});

test("in a group the first member decides; another member's press is answered with the choice and who made it", async () => {
  t = await twoWay();
  const key = await withNotification({ chatId: GROUP.id, user: "ops" });
  await t.client.dispatch(press(1, REJECT, { messageId: 55, chat: GROUP, from: IVAN }));
  await t.client.dispatch(press(2, APPROVE, { messageId: 55, chat: GROUP, from: ANNA }));
  expect(t.inbox.events.map(({ event }) => [event.user, event.key, event.chat_id, event.from.name, event.data])).toEqual([["ops", key, GROUP.id, "Ivan Petrov", "reject:42"]]);
  await t.until(() => answers().length === 2);
  expect(answers()).toEqual(["Got it: Reject", "✅ Reject — Ivan Petrov"]);
  await t.until(() => keyboards().length >= 1);
  expect(keyboards()[0]!.reply_markup).toEqual({ inline_keyboard: [[{ text: "✅ Reject — Ivan Petrov", callback_data: REJECT }]] });
});

test("keep_buttons: every press is an event and the keyboard stays", async () => {
  t = await twoWay();
  await withNotification({ keepButtons: true });
  await t.client.dispatch(press(1, APPROVE, { messageId: 55 }));
  await t.client.dispatch(press(2, APPROVE, { messageId: 55 }));
  await t.client.dispatch(press(3, REJECT, { messageId: 55 }));
  expect(t.inbox.events.map(({ event }) => event.data)).toEqual(["approve:42", "approve:42", "reject:42"]);
  await t.settle();
  expect(answers()).toEqual(["Got it: Approve", "Got it: Approve", "Got it: Reject"]);
  expect(keyboards()).toEqual([]);
});

test("unknown or foreign handles are answered politely and make no event", async () => {
  t = await twoWay();
  await withNotification();
  const malformed = `${buttonHandle.id}garbage`;
  expect(buttonHandle.filter(malformed)).toBe(true);
  const presses = [
    press(1, packButtonHandle("gone", 0), { messageId: 55 }), // the notification is gone (expired from the outbox)
    press(2, APPROVE, { messageId: 77 }), // a message of the chat that is not n1's
    press(3, APPROVE, { messageId: 55, chat: GROUP }), // n1's message id, but another chat
    press(4, packButtonHandle("n1", 2), { messageId: 55 }), // the url button's index
    press(5, packButtonHandle("n1", 9), { messageId: 55 }),
    press(6, "approve", { messageId: 55 }), // not a handle at all
    press(7, malformed, { messageId: 55 }), // looks like a handle, does not unpack
  ];
  for (const update of presses) await t.client.dispatch(update);
  await t.until(() => answers().length === presses.length);
  expect(new Set(answers())).toEqual(new Set(["This button no longer works."]));
  expect(t.inbox.records).toBe(0);
  expect(t.metrics.presses).toEqual(Array(presses.length).fill("expired"));
  await t.settle();
  expect(keyboards()).toEqual([]);
});

test("a press in a chat whose key is no longer assigned still counts, as the recipient's", async () => {
  t = await twoWay();
  await withNotification({ connect: false });
  await t.client.dispatch(press(1, APPROVE, { messageId: 55 }));
  expect(t.inbox.events.map(({ event }) => [event.user, event.key])).toEqual([["ivanov", "48213977"]]);
});

test("a replayed press makes no second event; a failed record fails the dispatch", async () => {
  t = await twoWay();
  await withNotification();
  t.inbox.failNext = new Error("ENOSPC");
  await expect(t.client.dispatch(press(1, APPROVE, { messageId: 55 }))).rejects.toThrow("ENOSPC");
  await t.client.dispatch(press(1, APPROVE, { messageId: 55 }));
  await t.client.dispatch(press(1, APPROVE, { messageId: 55 }));
  expect(t.inbox.events).toHaveLength(1);
  expect(t.inbox.events.map((stored) => stored.event.type)).toEqual(["button"]);
});

test("an answer or keyboard edit Telegram refuses is logged and counted; 'message is not modified' is no failure", async () => {
  t = await twoWay({
    refuse: {
      answerCallbackQuery: () => new TelegramApiError("answerCallbackQuery", 400, "Bad Request: query is too old and response timeout expired"),
      editMessageReplyMarkup: (_, call) =>
        new TelegramApiError("editMessageReplyMarkup", 400, call === 1 ? "Bad Request: message is not modified" : "Bad Request: message to edit not found"),
    },
  });
  await withNotification();
  await t.client.dispatch(press(1, APPROVE, { messageId: 55 }));
  await t.until(() => keyboards().length === 1);
  await t.settle();
  expect(t.metrics.acksFailed).toEqual(["answer"]);
  await t.client.dispatch(press(2, APPROVE, { messageId: 55 }));
  await t.until(() => t.metrics.acksFailed.length === 3);
  expect(t.metrics.acksFailed.sort()).toEqual(["answer", "answer", "keyboard"]);
  expect(t.log.lines.some((line) => line.includes("button press not answered") && line.includes("query is too old"))).toBe(true);
});

test("the choice gives way to the system's own edit: a PATCH since the decision means no keyboard edit, also on a later press", async () => {
  t = await twoWay();
  await withNotification();
  await t.client.dispatch(press(1, APPROVE, { messageId: 55 }));
  await t.until(() => keyboards().length === 1);
  await t.settle();
  // The system read the event and edited the message ("✅ Согласовано", no buttons).
  const view = t.notifications.get("n1")!;
  t.notifications.set("n1", { ...view, ops: [{ at: t.clock.now() }] });
  // An old client still shows the keyboard: a press there is answered with the choice, and
  // the message keeps the system's edit instead of getting the choice back.
  await t.client.dispatch(press(2, APPROVE, { messageId: 55 }));
  await t.until(() => answers().length === 2);
  await t.settle();
  expect(answers()).toEqual(["Got it: Approve", "✅ Approve"]);
  expect(keyboards()).toHaveLength(1);
});

test("an edit accepted while the decision is being recorded wins over the choice", async () => {
  t = await twoWay();
  await withNotification();
  const release = t.inbox.hold();
  const dispatched = t.client.dispatch(press(1, APPROVE, { messageId: 55 }));
  await t.until(() => answers().length === 1);
  t.notifications.set("n1", { ...t.notifications.get("n1")!, ops: [{ at: t.clock.now() }] });
  release();
  await dispatched;
  await t.settle();
  expect(t.inbox.events).toHaveLength(1);
  expect(keyboards()).toEqual([]);
});
