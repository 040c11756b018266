// Button presses end to end: a notification with buttons (POST /notify), a person's press
// in Telegram (the emulator's userPresses: a callback_query), the answer the person sees
// (answerCallbackQuery), the `button` event (GET /events, from inbox.log) and the keyboard
// edit showing the choice. The real gateway in-process, as `serve` wires it.
//
// "No event" is checked behind a barrier: the person then writes a message and the test
// waits for its 👌. A chat's updates are handled in order and its replies (keyboard edits
// included) leave in order, so by then every earlier press has made whatever event and
// keyboard edit it was going to make.
import { afterEach, expect, test } from "bun:test";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { InlineKeyboardButton } from "../../src/emulator/types.ts";
import { packButtonHandle } from "../../src/telegram/button-handle.ts";
import { configYaml, createHarness, TOKEN, type Harness } from "./inbound-harness.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const READER = "events-reader-token-0123456789";
const KEY = "48213977";
const IVAN = { id: 5001, first_name: "Ivan", last_name: "Petrov", username: "ivan", language_code: "en" };
const ANNA = { id: 5003, first_name: "Anna", language_code: "en" };
const GROUP = { id: -7001, type: "group" as const, title: "Ops" };
/** Longer than Telegram's 64-byte callback_data: only the gateway can give it back. */
const LONG_DATA = `approve:invoice-1042:${"x".repeat(100)}`;
const BUTTONS = [
  [
    { text: "Approve", data: LONG_DATA },
    { text: "Reject", data: "reject:1042" },
  ],
  [{ text: "Open", url: "https://erp.example/1042" }],
];

/** The gateway with one client that may notify and read events, and "ivanov" (a private chat) and "ops" (a group). */
async function start(): Promise<Harness> {
  const h = (harness = await createHarness());
  const issued = (key: string, chat: number, type: string) =>
    JSON.stringify({ type: "issued", key, bot: "main", chat_id: chat, chat_type: type, username: null, name: "x", at: "2026-11-25T09:00:00.000Z" });
  await mkdir(join(h.dir, "data"), { recursive: true });
  await writeFile(join(h.dir, "data", "keys.log"), `${issued(KEY, IVAN.id, "private")}\n${issued("51928374", GROUP.id, "group")}\n`);
  const yaml = configYaml(h.api.url, [{ id: "main", token: TOKEN }], `users:\n  ivanov: ${KEY}\n  ops: 51928374\n`);
  await writeFile(h.configFile, yaml.replace("bots:", `clients:\n  erp:\n    token: ${READER}\n    receive: true\nbots:`));
  h.api.emulator.addChat(TOKEN, { id: IVAN.id, type: "private", first_name: IVAN.first_name, last_name: IVAN.last_name, username: IVAN.username });
  h.api.emulator.addChat(TOKEN, GROUP);
  await h.start();
  return h;
}

async function call(h: Harness, method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = { method, headers: { Authorization: `Bearer ${READER}`, "Content-Type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  return h.gateway!.router.handle(new Request(`http://gateway${path}`, init));
}

interface Sent {
  id: string;
  chatId: number;
  messageId: number;
  keyboard: InlineKeyboardButton[][];
}

/** Sends a notification with BUTTONS to `to`; resolves with its id, our message and the keyboard Telegram shows. */
async function notifyWithButtons(h: Harness, to: string, extra: Record<string, unknown> = {}): Promise<Sent> {
  const res = await call(h, "POST", "/notify", { to, text: "Invoice 1042 needs your approval", buttons: BUTTONS, ...extra });
  const body = (await res.json()) as { id: string; recipients: Array<{ chat_id: number; message_ids: number[] }> };
  expect(res.status).toBe(200);
  const chatId = body.recipients[0]!.chat_id;
  const messageId = body.recipients[0]!.message_ids[0]!;
  const keyboard = h.api.emulator.keyboard(TOKEN, chatId, messageId)!;
  expect(keyboard.map((row) => row.map((button) => button.text))).toEqual([["Approve", "Reject"], ["Open"]]);
  for (const button of keyboard.flat()) expect(new TextEncoder().encode(button.callback_data ?? "").length).toBeLessThanOrEqual(64);
  return { id: body.id, chatId, messageId, keyboard };
}

/** A person presses a button (by label); resolves with the text the bot answered the press with. */
async function press(h: Harness, sent: Pick<Sent, "chatId" | "messageId">, button: string, from: typeof IVAN | typeof ANNA = IVAN): Promise<string | undefined> {
  const update = h.api.emulator.userPresses({ token: TOKEN, chat_id: sent.chatId, message_id: sent.messageId, button, from });
  return (await h.api.emulator.waitForCallbackAnswer(TOKEN, update.callback_query!.id)).text;
}

/** Presses queued together (a double tap): both reach the gateway before it answers either. */
async function pressTogether(h: Harness, sent: Sent, presses: Array<[string, typeof IVAN | typeof ANNA]>): Promise<Array<string | undefined>> {
  const ids = presses.map(([button, from]) => h.api.emulator.userPresses({ token: TOKEN, chat_id: sent.chatId, message_id: sent.messageId, button, from }).callback_query!.id);
  return Promise.all(ids.map(async (id) => (await h.api.emulator.waitForCallbackAnswer(TOKEN, id)).text));
}

interface ButtonEvent {
  id: string;
  user: string;
  data: string;
  button: string;
  notification: string;
  message_id: number;
  from: { id: number; name: string };
}

async function allEvents(h: Harness): Promise<Array<ButtonEvent & { type: string; text: string | null }>> {
  const res = await call(h, "GET", "/events?after=0&limit=1000");
  expect(res.status).toBe(200);
  return ((await res.json()) as { events: Array<ButtonEvent & { type: string; text: string | null }> }).events;
}

async function buttonEvents(h: Harness): Promise<ButtonEvent[]> {
  return (await allEvents(h)).filter((event) => event.type === "button");
}

/** The person writes to the chat and the test waits for the 👌: every earlier update of the chat is handled and its replies sent. */
async function barrier(h: Harness, chat: { id: number; type: "private" } | typeof GROUP, text: string): Promise<void> {
  const options = chat.type === "private" ? { token: TOKEN, from: IVAN, text } : { token: TOKEN, from: IVAN, chat, text: `@signal_bot ${text}` };
  const written = h.api.emulator.userWrites(options).message!;
  await h.api.emulator.waitForMessage(TOKEN, chat.id, written.message_id, (message) => message.reactions.length > 0);
}
const PRIVATE = { id: IVAN.id, type: "private" as const };

const shows = (h: Harness, sent: Sent, keyboard: Array<Array<Partial<InlineKeyboardButton>>>) =>
  h.api.emulator.waitForMessage(TOKEN, sent.chatId, sent.messageId, (message) => JSON.stringify(message.message.reply_markup?.inline_keyboard) === JSON.stringify(keyboard));
const edits = (h: Harness) => h.api.requests("editMessageReplyMarkup", TOKEN).filter((r) => r.status === 200).length;

test("a press is answered at once and becomes one button event with the full data; the keyboard then shows the choice; a double press makes no second event", async () => {
  const h = await start();
  const sent = await notifyWithButtons(h, "ivanov");
  const approve = sent.keyboard[0]![0]!.callback_data!;
  // A double tap: Approve, then Reject before the keyboard changed. The first decides.
  expect(await pressTogether(h, sent, [["Approve", IVAN], ["Reject", IVAN]])).toEqual(["Got it: Approve", "✅ Approve"]);
  // One button, the choice, carrying the pressed handle.
  await shows(h, sent, [[{ text: "✅ Approve", callback_data: approve }]]);
  // Pressing the choice again is answered with it.
  expect(await press(h, sent, "✅ Approve")).toBe("✅ Approve");
  await barrier(h, PRIVATE, "sync");
  expect(await buttonEvents(h)).toEqual([
    expect.objectContaining({ user: "ivanov", data: LONG_DATA, button: "Approve", notification: sent.id, message_id: sent.messageId, from: expect.objectContaining({ id: IVAN.id, name: "Ivan Petrov" }) }),
  ]);
}, 20_000);

test("in a group the first member decides; another member's press is answered with the choice and makes no event", async () => {
  const h = await start();
  const sent = await notifyWithButtons(h, "ops");
  expect(await pressTogether(h, sent, [["Reject", ANNA], ["Approve", IVAN]])).toEqual(["Got it: Reject", "✅ Reject — Anna"]);
  await shows(h, sent, [[{ text: "✅ Reject — Anna", callback_data: sent.keyboard[0]![1]!.callback_data! }]]);
  expect(await press(h, sent, "✅ Reject — Anna", IVAN)).toBe("✅ Reject — Anna");
  await barrier(h, GROUP, "sync");
  expect(await buttonEvents(h)).toEqual([
    expect.objectContaining({ user: "ops", data: "reject:1042", button: "Reject", chat_id: GROUP.id, from: expect.objectContaining({ id: ANNA.id, name: "Anna" }) }),
  ]);
}, 20_000);

test("keep_buttons: every press is an event and the keyboard stays", async () => {
  const h = await start();
  const sent = await notifyWithButtons(h, "ivanov", { keep_buttons: true });
  expect(await press(h, sent, "Approve")).toBe("Got it: Approve");
  expect(await press(h, sent, "Reject")).toBe("Got it: Reject");
  expect(await press(h, sent, "Approve")).toBe("Got it: Approve");
  await barrier(h, PRIVATE, "sync");
  expect((await buttonEvents(h)).map((event) => event.data)).toEqual([LONG_DATA, "reject:1042", LONG_DATA]);
  expect(h.api.emulator.keyboard(TOKEN, sent.chatId, sent.messageId)).toEqual(sent.keyboard);
  expect(edits(h)).toBe(0);
}, 20_000);

test("an unknown handle, or a handle copied onto another notification's message, is answered with button_expired and makes no event", async () => {
  const h = await start();
  const first = await notifyWithButtons(h, "ivanov");
  const second = await notifyWithButtons(h, "ivanov");
  // Another program with the bot's token puts foreign, stale and copied handles under the first message.
  const forged = [
    [
      { text: "Foreign", callback_data: "not-a-handle" },
      { text: "Gone", callback_data: packButtonHandle("0mx2azu9ve358c7a2f7", 0) },
      { text: "Copied", callback_data: second.keyboard[0]![0]!.callback_data! },
      { text: "Out of range", callback_data: packButtonHandle(first.id, 7) },
    ],
  ];
  const res = await fetch(`${h.api.url}/bot${TOKEN}/editMessageReplyMarkup`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ chat_id: first.chatId, message_id: first.messageId, reply_markup: { inline_keyboard: forged } }),
  });
  expect(res.status).toBe(200);
  for (const label of ["Foreign", "Gone", "Copied", "Out of range"]) expect(await press(h, first, label)).toBe("This button no longer works.");
  await barrier(h, PRIVATE, "sync");
  expect(await buttonEvents(h)).toEqual([]);
  // Neither message was touched by the gateway, and the copied handle still works where it belongs.
  expect(h.api.emulator.keyboard(TOKEN, first.chatId, first.messageId)).toEqual(forged);
  expect(h.api.emulator.keyboard(TOKEN, second.chatId, second.messageId)).toEqual(second.keyboard);
  expect(await press(h, second, "Approve")).toBe("Got it: Approve");
  await barrier(h, PRIVATE, "sync again");
  expect(await buttonEvents(h)).toEqual([expect.objectContaining({ notification: second.id, message_id: second.messageId, data: LONG_DATA })]);
}, 20_000);

test("after a restart a press still works (the outbox keeps the buttons), and a decided message stays decided (the inbox keeps the decision)", async () => {
  const h = await start();
  const decided = await notifyWithButtons(h, "ivanov");
  const open = await notifyWithButtons(h, "ivanov");
  expect(await press(h, decided, "Approve")).toBe("Got it: Approve");
  await shows(h, decided, [[{ text: "✅ Approve", callback_data: decided.keyboard[0]![0]!.callback_data! }]]);
  await h.stopGateway();
  await h.start();
  expect(await press(h, decided, "✅ Approve")).toBe("✅ Approve");
  expect(await press(h, open, "Reject")).toBe("Got it: Reject");
  await shows(h, open, [[{ text: "✅ Reject", callback_data: open.keyboard[0]![1]!.callback_data! }]]);
  await barrier(h, PRIVATE, "sync");
  expect((await buttonEvents(h)).map((event) => [event.notification, event.data])).toEqual([
    [decided.id, LONG_DATA],
    [open.id, "reject:1042"],
  ]);
}, 30_000);
