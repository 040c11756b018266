// Buttons and replies through the real HTTP server and the fake Bot API: the keyboard as
// Telegram gets it (JSON, form and curl spellings), on the last message of a long text;
// replies under the person's message; and every bad input refused with nothing sent or
// stored.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { InboxEvent, StoredEvent } from "../../src/events/types.ts";
import type { TelegramInlineKeyboardMarkup } from "../../src/telegram/api.ts";
import { unpackButtonHandle } from "../../src/telegram/button-handle.ts";
import { CI_TOKEN, ERP_TOKEN, jsonOf, startNotifyHarness, TOKEN, type NotifyHarness } from "./notify-harness.ts";

const DESK_TOKEN = "desk-token-0123456789abcdef";
const event = (id: string, user: string, key: string, chat: number, messageId: number): StoredEvent => ({
  fileIds: [],
  event: {
    id, type: "message", at: "2026-11-29T10:00:00.000Z", bot: "main", user, key, chat_id: chat, message_id: messageId,
    from: { id: chat, username: null, name: user }, text: "Где счёт 1042?", command: null, args: null, reply_to: null, files: [],
  } satisfies InboxEvent,
});
const EVENTS = new Map([
  ["1042", event("1042", "ivanov", "48213977", 5001, 57)],
  ["1043", event("1043", "sidorov", "60011223", 5003, 58)],
]);

let h: NotifyHarness;
beforeAll(async () => {
  h = await startNotifyHarness({
    clients: `  desk:\n    token: ${DESK_TOKEN}\n    receive: true\n    allow: [ops]`,
    events: [...EVENTS.values()],
  });
});
afterAll(() => h.close());
beforeEach(() => h.api.emulator.clearSent());

const ROWS = [
  [
    { text: "Согласовать", data: "approve:1042" },
    { text: "Открыть", url: "https://erp.local/invoice/1042" },
  ],
  [{ text: "Отклонить", data: "reject:1042" }],
];

/** The keyboard of the last message sent to `chat`. */
function keyboardOf(chat: number): TelegramInlineKeyboardMarkup | undefined {
  const sent = h.api.emulator.sent(TOKEN, { chat_id: chat });
  return sent.at(-1)?.params.reply_markup as TelegramInlineKeyboardMarkup | undefined;
}

function expectRows(markup: TelegramInlineKeyboardMarkup | undefined, id: string): void {
  expect(markup!.inline_keyboard.map((row) => row.map((button) => button.text))).toEqual([["Согласовать", "Открыть"], ["Отклонить"]]);
  const [[approve, open], [reject]] = markup!.inline_keyboard as unknown as [[{ callback_data: string }, { url: string }], [{ callback_data: string }]];
  expect([unpackButtonHandle(approve.callback_data), open.url, unpackButtonHandle(reject.callback_data)]).toEqual([
    { notification: id, index: 0 },
    "https://erp.local/invoice/1042",
    { notification: id, index: 2 },
  ]);
}

describe("the keyboard Telegram gets", () => {
  test("JSON rows; GET /messages shows them", async () => {
    const res = await h.post("/notify", { to: "ivanov", text: "Invoice 1042 needs your approval", buttons: ROWS });
    const body = await jsonOf(res);
    expect(res.status).toBe(200);
    expectRows(keyboardOf(5001), body.id);
    const status = await jsonOf(await fetch(`${h.url}/messages/${body.id}`, { headers: { Authorization: `Bearer ${ERP_TOKEN}` } }));
    expect(status.buttons).toEqual(ROWS);
  });

  test("the curl spelling in a multipart form, an empty button= starting a new row", async () => {
    const form = new FormData();
    form.append("to", "ivanov");
    form.append("text", "Invoice 1042 needs your approval");
    for (const line of ["Согласовать|approve:1042", "Открыть|https://erp.local/invoice/1042", "", "Отклонить|reject:1042"]) form.append("button", line);
    form.append("keep_buttons", "true");
    const res = await fetch(`${h.url}/notify`, { method: "POST", headers: { Authorization: `Bearer ${ERP_TOKEN}` }, body: form });
    const body = await jsonOf(res);
    expect(res.status).toBe(200);
    expectRows(keyboardOf(5001), body.id);
    const [line] = (await h.outboxLines()).filter((entry) => entry.includes(body.id));
    expect(JSON.parse(line!)).toMatchObject({ buttons: ROWS, keep_buttons: true });
  });

  test("JSON text in a urlencoded form field, and the query string of /notify/{to}", async () => {
    const form = new URLSearchParams({ to: "ivanov", text: "Invoice 1042", buttons: JSON.stringify(ROWS) });
    const a = await jsonOf(await h.post("/notify", undefined, { raw: form.toString(), headers: { "Content-Type": "application/x-www-form-urlencoded" } }));
    expectRows(keyboardOf(5001), a.id);
    const query = ["Согласовать|approve:1042", "Открыть|https://erp.local/invoice/1042", "", "Отклонить|reject:1042"].map((line) => `button=${encodeURIComponent(line)}`).join("&");
    const b = await jsonOf(await h.post(`/notify/ivanov?${query}`, undefined, { raw: "Invoice 1042", headers: { "Content-Type": "text/plain" } }));
    expectRows(keyboardOf(5001), b.id);
  });

  test("a text split into several messages carries the keyboard on the last one only", async () => {
    const text = Array.from({ length: 3 }, (_, i) => `${i}`.repeat(3000)).join("\n\n");
    const res = await h.post("/notify", { to: "ivanov", text, buttons: [{ text: "Ok", data: "ok" }] });
    expect((await jsonOf(res)).parts).toBe(3);
    const sent = h.api.emulator.sent(TOKEN, { chat_id: 5001 });
    expect(sent.map((message) => message.params.reply_markup === undefined)).toEqual([true, true, false]);
  });
});

describe("replies", () => {
  test("reply_to sends to the event's chat under the person's message", async () => {
    const res = await h.post("/notify", { reply_to: "1042", text: "Счёт 1042 отправлен вам на почту" }, { token: DESK_TOKEN });
    const body = await jsonOf(res);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ reply_to: "1042", recipients: [{ user: "ivanov", chat_id: 5001, status: "delivered" }] });
    const [sent] = h.api.emulator.sent(TOKEN, { chat_id: 5001 });
    expect(sent!.reply_parameters).toEqual({ message_id: 57, allow_sending_without_reply: true });
  });
});

describe("bad inputs: 4xx, nothing sent, nothing stored", () => {
  async function expectRefused(res: Response, status: number, code: string): Promise<string> {
    const before = (await h.outboxLines()).length;
    const sends = h.api.requests("sendMessage").length;
    const body = (await jsonOf(res)) as { error: { code: string; message: string } };
    expect({ status: res.status, code: body.error.code }).toEqual({ status, code });
    expect(h.api.requests("sendMessage")).toHaveLength(sends);
    expect((await h.outboxLines()).length).toBe(before);
    return body.error.message;
  }

  const many = Array.from({ length: 13 }, (_, r) => Array.from({ length: r < 12 ? 8 : 5 }, (_, i) => ({ text: `${r}.${i}`, data: `${r}:${i}` })));
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ["malformed buttons", { buttons: { text: "A", data: "a" } }, "bad_buttons", "buttons must be a list of rows"],
    ["a button without data or url", { buttons: [[{ text: "A" }]] }, "bad_buttons", 'row 1, button 1 ("A"): give exactly one of "data"'],
    ["a javascript: url", { buttons: [{ text: "Открыть", url: "javascript:alert(document.cookie)" }] }, "bad_buttons", 'url: must be an http:// or https:// URL, got "javascript:alert(document.cookie)"'],
    ["101 buttons", { buttons: many }, "bad_buttons", "101 buttons; Telegram allows at most 100"],
    ["an empty label", { buttons: [{ text: "", data: "a" }] }, "bad_buttons", "text: must not be empty"],
    ["9 buttons in a row", { buttons: [Array.from({ length: 9 }, (_, i) => ({ text: `${i}`, data: `${i}` }))] }, "bad_buttons", "row 1 has 9 buttons; Telegram allows at most 8 in a row"],
    ["a tg: link", { buttons: [{ text: "Me", url: "tg://user?id=1" }] }, "bad_buttons", "url: must be an http:// or https:// URL"],
    ["data over 256 characters", { buttons: [{ text: "A", data: "d".repeat(257) }] }, "bad_buttons", "data: must be at most 256 characters"],
    ["keep_buttons that is no boolean", { buttons: [{ text: "A", data: "a" }], keep_buttons: "sometimes" }, "bad_keep_buttons", "keep_buttons"],
  ];
  for (const [name, fields, code, message] of cases) {
    test(name, async () => {
      expect(await expectRefused(await h.post("/notify", { to: "ivanov", text: "x", ...fields }), 400, code)).toContain(message);
    });
  }

  test("a curl line without | in a form", async () => {
    const form = new URLSearchParams([["to", "ivanov"], ["text", "x"], ["button", "Approve"]]);
    const res = await h.post("/notify", undefined, { raw: form.toString(), headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(await expectRefused(res, 400, "bad_buttons")).toContain('has no "|"');
  });

  test("reply_to of an unknown event, of a person outside the client's allow, or by a client without receive: the same 404", async () => {
    const messages = [
      await expectRefused(await h.post("/notify", { reply_to: "999", text: "x" }, { token: DESK_TOKEN }), 404, "unknown_event"),
      await expectRefused(await h.post("/notify", { reply_to: "1043", text: "x" }, { token: DESK_TOKEN }), 404, "unknown_event"),
      await expectRefused(await h.post("/notify", { reply_to: "1042", text: "x" }), 404, "unknown_event"),
      await expectRefused(await h.post("/notify", { reply_to: "1042", text: "x" }, { token: CI_TOKEN }), 404, "unknown_event"),
    ];
    expect(messages[1]).toBe(messages[0]!.replace("999", "1043"));
  });

  test("reply_to with to, or with recipients in the path: 400 duplicate_field; reply_to that is no id: 400", async () => {
    expect(await expectRefused(await h.post("/notify", { to: "ivanov", reply_to: "1042", text: "x" }, { token: DESK_TOKEN }), 400, "duplicate_field")).toContain('give "reply_to" or "to", not both');
    await expectRefused(await h.post("/notify/ivanov?reply_to=1042", undefined, { token: DESK_TOKEN, raw: "x", headers: { "Content-Type": "text/plain" } }), 400, "duplicate_field");
    await expectRefused(await h.post("/notify", { reply_to: "last", text: "x" }, { token: DESK_TOKEN }), 400, "bad_reply_to");
  });
});
