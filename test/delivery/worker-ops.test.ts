// The worker with buttons, replies, edits and deletions: an in-memory Bot API (scripted
// answers per method, every call recorded), the real outbox in a temp dir, the real
// MessageOperations, and a fake clock. Where the keyboard and the reply go, that an edit
// waits behind its queued message, that a deletion cancels what is queued, and that
// Telegram's refusals are final while its 5xx are retried.
import { afterEach, beforeEach, expect, test } from "bun:test";
import type { BotConfig } from "../../src/config/types.ts";
import { MessageOperations, type EditInput } from "../../src/delivery/operations.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import type { Button, NotificationState } from "../../src/delivery/types.ts";
import { DeliveryWorker, type DeliveryEvents } from "../../src/delivery/worker.ts";
import type { KeyLookup } from "../../src/keys/types.ts";
import { TelegramApiError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { createGramioBot, type TelegramApi, type TelegramInlineKeyboardMarkup } from "../../src/telegram/api.ts";
import { BotClient } from "../../src/telegram/bot-client.ts";
import { unpackButtonHandle } from "../../src/telegram/button-handle.ts";
import { RateLimiter } from "../../src/telegram/rate-limit.ts";
import { TELEGRAM_TIMING } from "../../src/telegram/timing.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { unusedApi } from "../fakes/unused-api.ts";
import { notification, recipient, tempDir } from "./outbox-fixtures.ts";

const UNLIMITED = { perSecond: 1e6, perChatPerSecond: 1e6, perChatBurst: 1000, perGroupPerMinute: 1e6 };
const BUTTONS: Button[][] = [[{ text: "Approve", data: "approve:42" }, { text: "Open", url: "https://erp.local/42" }], [{ text: "Reject", data: "reject:42" }]];
const caller = { id: "erp", allow: null };

type Method = "sendMessage" | "editMessageText" | "editMessageReplyMarkup" | "deleteMessage";
interface Call {
  method: Method;
  params: Record<string, unknown>;
  at: number;
}

let tmp: Awaited<ReturnType<typeof tempDir>>;
let clock: FakeClock;
let outbox: Outbox;
let worker: DeliveryWorker | undefined;
const log = createMemoryLogger("debug");
const outcomes: string[] = [];
const events: DeliveryEvents = { delivered() {}, failed() {}, retried() {}, operation: (_bot, kind, status) => void outcomes.push(`${kind}:${status}`) };

beforeEach(async () => {
  tmp = await tempDir();
  clock = new FakeClock();
  outbox = await Outbox.open({ platform: bunPlatform, clock, log, dataDir: tmp.dir });
  outcomes.length = 0;
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await outbox.close().catch(() => {});
  await tmp.remove();
});

/** A bot whose calls run `answer` (throw to fail); sends answer with message ids 1, 2, ... */
function fakeBot(answer: (call: Call, n: number) => void = () => {}, limits = UNLIMITED) {
  const calls: Call[] = [];
  const record = (method: Method, params: object) => {
    const call = { method, params: params as Record<string, unknown>, at: clock.now() };
    calls.push(call);
    answer(call, calls.length);
  };
  let sent = 0;
  const api: TelegramApi = {
    ...unusedApi(),
    async sendMessage(params) {
      record("sendMessage", params);
      return { message_id: ++sent, chat: { id: params.chat_id } };
    },
    async editMessageText(params) {
      record("editMessageText", params);
      return true;
    },
    async editMessageReplyMarkup(params) {
      record("editMessageReplyMarkup", params);
      return true;
    },
    async deleteMessage(params) {
      record("deleteMessage", params);
      return true as const;
    },
  };
  const bot = createGramioBot({ token: "1:test", apiUrl: "http://127.0.0.1:9" });
  const client = new BotClient({ id: "main" } as BotConfig, { bot, api, limiter: new RateLimiter(clock, limits), clock, secondMs: 1000 });
  return { client, calls };
}

const keys: KeyLookup = { lookup: () => undefined, recordBlocked: async () => {}, recordMigrated: async () => {} };

function start(client: BotClient, enabled = () => true): { worker: DeliveryWorker; operations: MessageOperations } {
  const bots = { get: () => (enabled() ? client : undefined) };
  worker = new DeliveryWorker({ outbox, bots, keys, clock, log, events, backoff: TELEGRAM_TIMING.sendBackoff, random: () => 1 });
  return { worker, operations: new MessageOperations({ outbox, worker, clock }) };
}

async function accept(state: NotificationState, w: DeliveryWorker): Promise<NotificationState> {
  await outbox.accept(state);
  w.enqueue(state);
  return state;
}

/** Moves the fake clock in `stepMs` steps until `predicate` holds (real time only for file writes). */
async function until(predicate: () => boolean, stepMs = 10): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await clock.advance(stepMs);
    await Bun.sleep(1);
  }
}

const telegramError = (code: number, description: string, retryAfter?: number) => new TelegramApiError("x", code, description, retryAfter);
const text: EditInput = { text: "✅ Approved", format: "text" };

test("the keyboard goes on the last part only, data buttons as handles of (notification, index) counted row by row", async () => {
  const { client, calls } = fakeBot();
  const { worker: w } = start(client);
  const state = notification(clock.now(), { parts: ["one", "two", "three"] });
  state.buttons = BUTTONS;
  await accept(state, w);
  await until(() => calls.length === 3);
  expect(calls.map((call) => call.params.reply_markup === undefined)).toEqual([true, true, false]);
  const keyboard = (calls[2]!.params.reply_markup as TelegramInlineKeyboardMarkup).inline_keyboard;
  expect(keyboard.map((row) => row.map((button) => button.text))).toEqual([["Approve", "Open"], ["Reject"]]);
  const handles = keyboard.flat().map((button) => ("callback_data" in button ? unpackButtonHandle(button.callback_data!) : ("url" in button ? button.url : undefined)));
  expect(handles).toEqual([{ notification: state.id, index: 0 }, "https://erp.local/42", { notification: state.id, index: 2 }]);
  // The handle fits Telegram's 64 bytes whatever the data's length (it stays in the outbox).
  expect(Buffer.byteLength((keyboard[0]![0] as { callback_data: string }).callback_data)).toBeLessThanOrEqual(64);
});

test("a reply goes to the person's message on the first part only, still sent if that message is gone", async () => {
  const { client, calls } = fakeBot();
  const { worker: w } = start(client);
  const state = notification(clock.now(), { parts: ["one", "two"] });
  state.recipients[0]!.replyToMessageId = 57;
  await accept(state, w);
  await until(() => calls.length === 2);
  expect(calls.map((call) => call.params.reply_parameters)).toEqual([{ message_id: 57, allow_sending_without_reply: true }, undefined]);
});

test("a part resent as plain text keeps the keyboard on its last piece and the reply on its first", async () => {
  const { client, calls } = fakeBot((call) => {
    if (call.params.parse_mode === "HTML") throw telegramError(400, "Bad Request: can't parse entities: unsupported start tag");
  });
  const { worker: w } = start(client);
  const state = notification(clock.now(), { parts: [`<b>${"x ".repeat(2500)}</b>`] });
  state.buttons = BUTTONS;
  state.recipients[0]!.replyToMessageId = 9;
  await accept(state, w);
  await until(() => state.recipients[0]!.status === "delivered");
  const plain = calls.slice(1);
  expect(plain).toHaveLength(2);
  expect(plain.map((call) => [call.params.reply_parameters !== undefined, call.params.reply_markup !== undefined])).toEqual([
    [true, false],
    [false, true],
  ]);
});

test("an edit accepted while its message waits for a 429 pause is carried out after the message, in the chat's order", async () => {
  const { client, calls } = fakeBot((_call, n) => {
    if (n === 1) throw telegramError(429, "Too Many Requests: retry after 5", 5);
  }, TELEGRAM_TIMING.limits);
  const { worker: w, operations } = start(client);
  const state = await accept(notification(clock.now(), { parts: ["Invoice 1042"] }), w);
  await until(() => calls.length === 1);
  const { op } = await operations.edit(state.id, { ...text, buttons: [[{ text: "Receipt", url: "https://erp.local/r" }]] }, caller);
  expect(op.targets[0]!.status).toBe("queued");
  await clock.advance(4000);
  expect(calls.map((call) => call.method)).toEqual(["sendMessage"]);
  await until(() => op.targets[0]!.status !== "queued", 100);
  expect(calls.map((call) => call.method)).toEqual(["sendMessage", "sendMessage", "editMessageText"]);
  expect(calls[2]!.params).toMatchObject({ chat_id: 5001, message_id: 1, text: "✅ Approved", parse_mode: "HTML", reply_markup: { inline_keyboard: [[{ text: "Receipt", url: "https://erp.local/r" }]] } });
  expect(op.targets[0]).toMatchObject({ status: "done" });
  expect(outcomes).toEqual(["edit:done"]);
});

test("a buttons-only edit replaces the keyboard (editMessageReplyMarkup); [] removes it", async () => {
  const { client, calls } = fakeBot();
  const { worker: w, operations } = start(client);
  const state = notification(clock.now());
  state.buttons = BUTTONS;
  await accept(state, w);
  await until(() => state.recipients[0]!.status === "delivered");
  const first = await operations.edit(state.id, { format: "text", buttons: [[{ text: "Again", data: "again" }]] }, caller);
  await until(() => first.op.targets[0]!.status === "done");
  const second = await operations.edit(state.id, { format: "text", buttons: [] }, caller);
  await until(() => second.op.targets[0]!.status === "done");
  expect(calls.slice(1).map((call) => [call.method, call.params.reply_markup])).toEqual([
    ["editMessageReplyMarkup", { inline_keyboard: [[{ text: "Again", callback_data: expect.any(String) }]] }],
    ["editMessageReplyMarkup", undefined],
  ]);
  expect(state.buttons).toBeUndefined();
});

test("a text edit keeps the buttons only with keep_buttons (Telegram drops buttons an edit leaves out)", async () => {
  const { client, calls } = fakeBot();
  const { worker: w, operations } = start(client);
  const kept = notification(clock.now());
  kept.buttons = BUTTONS;
  kept.keepButtons = true;
  const once = notification(clock.now(), { recipients: [recipient("petrov", 5002)] });
  once.buttons = BUTTONS;
  await accept(kept, w);
  await accept(once, w);
  await until(() => calls.length === 2);
  const a = await operations.edit(kept.id, text, caller);
  const b = await operations.edit(once.id, text, caller);
  await until(() => a.op.targets[0]!.status === "done" && b.op.targets[0]!.status === "done");
  const edits = calls.filter((call) => call.method === "editMessageText");
  expect(edits.map((call) => [call.params.chat_id, (call.params.reply_markup as TelegramInlineKeyboardMarkup | undefined)?.inline_keyboard.flat().length])).toEqual([
    [5001, 3],
    [5002, undefined],
  ]);
});

test("a deletion while the message waits for a paused bot cancels it: answered at once, and nothing is ever sent", async () => {
  const { client, calls } = fakeBot();
  const { worker: w, operations } = start(client);
  client.limiter.pauseUntil(clock.now() + 60_000); // a 429's retry_after
  const state = await accept(notification(clock.now(), { parts: ["a", "b"], recipients: [recipient("ivanov", 5001), recipient("petrov", 5002)] }), w);
  await clock.advance(100);
  const { op } = await operations.remove(state.id, caller);
  expect(op.targets.map((target) => target.status)).toEqual(["cancelled", "cancelled"]);
  expect(state.recipients.map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
  await clock.advance(120_000);
  await Bun.sleep(5);
  expect(calls).toEqual([]);
  // A second DELETE answers with the first.
  expect((await operations.remove(state.id, caller)).replayed).toBe(true);
});

test("a deletion while the bot is disabled cancels at once too; the chat's next notification goes out when it is back", async () => {
  const { client, calls } = fakeBot();
  let enabled = false;
  const { worker: w, operations } = start(client, () => enabled);
  const doomed = await accept(notification(clock.now(), { parts: ["doomed"] }), w);
  const next = await accept(notification(clock.now(), { parts: ["next"] }), w);
  await clock.advance(100);
  const { op } = await operations.remove(doomed.id, caller);
  expect(op.targets[0]!.status).toBe("cancelled");
  enabled = true;
  await until(() => next.recipients[0]!.status === "delivered", 1000);
  expect(calls.map((call) => call.params.text)).toEqual(["next"]);
});

test("a deletion removes every part that went out and cancels the rest; a part sent while it was asked for is deleted too", async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const { client, calls } = fakeBot();
  const api = client.api as TelegramApi;
  const send = api.sendMessage.bind(api);
  // The second part's request is on the wire when the DELETE comes: its answer arrives after.
  api.sendMessage = async (params) => (params.text === "two" ? held.then(() => send(params)) : send(params));
  const { worker: w, operations } = start(client);
  const state = await accept(notification(clock.now(), { parts: ["one", "two", "three"] }), w);
  await until(() => calls.length === 1 && state.recipients[0]!.next === 1);
  await Bun.sleep(1);
  const removing = operations.remove(state.id, caller);
  const { op } = await removing;
  expect(op.targets[0]!.status).toBe("queued"); // it waits for the part on the wire
  release();
  await until(() => op.targets[0]!.status !== "queued");
  expect(calls.map((call) => [call.method, call.params.message_id ?? call.params.text])).toEqual([
    ["sendMessage", "one"],
    ["sendMessage", "two"],
    ["deleteMessage", 1],
    ["deleteMessage", 2],
  ]);
  expect(op.targets[0]!.status).toBe("done");
  expect(state.recipients[0]).toMatchObject({ status: "cancelled", messageIds: [1, 2] });
});

test("Telegram's refusals are final and reported: can't be deleted, not found to edit; not modified and already deleted count as done", async () => {
  const refusals: Record<string, string> = {
    deleteMessage: "Bad Request: message can't be deleted",
    editMessageText: "Bad Request: message to edit not found",
  };
  const { client, calls } = fakeBot((call) => {
    const description = refusals[call.method];
    if (description) throw telegramError(400, description);
  });
  const { worker: w, operations } = start(client);
  const state = await accept(notification(clock.now(), { recipients: [recipient("ivanov", 5001), recipient("petrov", 5002)] }), w);
  await until(() => state.recipients.every((r) => r.status === "delivered"));
  const edit = await operations.edit(state.id, text, caller);
  await until(() => edit.op.targets.every((t) => t.status !== "queued"));
  expect(edit.op.targets.map((t) => [t.status, t.reason])).toEqual([
    ["failed", "400 Bad Request: message to edit not found"],
    ["failed", "400 Bad Request: message to edit not found"],
  ]);
  refusals.editMessageText = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same";
  const same = await operations.edit(state.id, text, caller);
  await until(() => same.op.targets.every((t) => t.status !== "queued"));
  expect(same.op.targets.map((t) => t.status)).toEqual(["done", "done"]);
  expect(same.op.targets[0]!.warning).toContain("not modified");
  refusals.deleteMessage = "Bad Request: message can't be deleted";
  const removal = await operations.remove(state.id, caller);
  await until(() => removal.op.targets.every((t) => t.status !== "queued"));
  expect(removal.op.targets.map((t) => [t.status, t.reason])).toEqual([
    ["failed", "400 Bad Request: message can't be deleted"],
    ["failed", "400 Bad Request: message can't be deleted"],
  ]);
  // One call each: nothing is retried.
  expect(calls.map((call) => call.method)).toEqual(["sendMessage", "sendMessage", "editMessageText", "editMessageText", "editMessageText", "editMessageText", "deleteMessage", "deleteMessage"]);
  expect(outcomes).toEqual(["edit:failed", "edit:failed", "edit:done", "edit:done", "delete:failed", "delete:failed"]);
});

test("a message already gone counts as deleted, with a warning", async () => {
  const { client } = fakeBot((call) => {
    if (call.method === "deleteMessage") throw telegramError(400, "Bad Request: message to delete not found");
  });
  const { worker: w, operations } = start(client);
  const state = await accept(notification(clock.now()), w);
  await until(() => state.recipients[0]!.status === "delivered");
  const { op } = await operations.remove(state.id, caller);
  await until(() => op.targets[0]!.status !== "queued");
  expect(op.targets[0]).toMatchObject({ status: "done", warning: "message 1 was already deleted" });
});

test("a 5xx on an edit is retried with the worker's backoff, then the edit is done", async () => {
  const { client, calls } = fakeBot((call, n) => {
    if (call.method === "editMessageText" && n <= 3) throw telegramError(502, "Bad Gateway");
  });
  const { worker: w, operations } = start(client);
  const state = await accept(notification(clock.now()), w);
  await until(() => state.recipients[0]!.status === "delivered");
  const { op } = await operations.edit(state.id, text, caller);
  await until(() => op.targets[0]!.status !== "queued", 100);
  const edits = calls.filter((call) => call.method === "editMessageText");
  expect(edits).toHaveLength(3);
  // Backoff 1 s, then 2 s (random = 1: the full step), as for sends.
  expect(edits[1]!.at - edits[0]!.at).toBeGreaterThanOrEqual(1000);
  expect(edits[2]!.at - edits[1]!.at).toBeGreaterThanOrEqual(2000);
  expect(op.targets[0]).toMatchObject({ status: "done", attempts: 2 });
});

test("an edit whose HTML Telegram refuses is made once more as plain text, with a warning", async () => {
  const { client, calls } = fakeBot((call) => {
    if (call.method === "editMessageText" && call.params.parse_mode === "HTML") throw telegramError(400, "Bad Request: can't parse entities: bad tag");
  });
  const { worker: w, operations } = start(client);
  const state = await accept(notification(clock.now()), w);
  await until(() => state.recipients[0]!.status === "delivered");
  const { op } = await operations.edit(state.id, { text: "<b>paid", format: "html" }, caller);
  await until(() => op.targets[0]!.status !== "queued");
  expect(calls.slice(1).map((call) => [call.params.text, call.params.parse_mode])).toEqual([
    ["<b>paid", "HTML"],
    ["<b>paid", undefined],
  ]);
  expect(op.targets[0]!.warning).toContain("edited as plain text");
});

test("recipients the message never reached are skipped; one that fails after the edit was asked for is skipped then", async () => {
  const { client } = fakeBot((call) => {
    if (call.method === "sendMessage" && call.params.chat_id === 5002) throw telegramError(403, "Forbidden: bot was blocked by the user");
  });
  const { worker: w, operations } = start(client);
  client.limiter.pauseUntil(clock.now() + 5000);
  const state = await accept(notification(clock.now(), { recipients: [recipient("ivanov", 5001), recipient("petrov", 5002)] }), w);
  const { op } = await operations.edit(state.id, text, caller);
  await until(() => op.targets.every((t) => t.status !== "queued"), 100);
  expect(op.targets.map((t) => [t.status, t.reason])).toEqual([
    ["done", undefined],
    ["skipped", "not delivered: 403 Forbidden: bot was blocked by the user"],
  ]);
});
