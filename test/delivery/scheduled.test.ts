// Scheduled notifications through the real notifier, outbox (temp dir), worker and
// operations, with an in-memory Bot API and a fake clock: held until due and sent exactly
// then, cancelled, edited before they go, carried across a restart, and retried for 24 h
// counted from the due time.
import { afterEach, beforeEach, expect, test } from "bun:test";
import type { BotConfig, Config } from "../../src/config/types.ts";
import { Notifier, type NotifyInput } from "../../src/delivery/notifier.ts";
import { MessageOperations } from "../../src/delivery/operations.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { NO_EVENTS } from "../../src/delivery/reply-to.ts";
import { notificationStatus, type NotificationState } from "../../src/delivery/types.ts";
import { readWhen, type WhenFields } from "../../src/delivery/when.ts";
import { DeliveryWorker } from "../../src/delivery/worker.ts";
import type { KeyLookup } from "../../src/keys/types.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { createGramioBot, type SendMessageParams, type TelegramApi } from "../../src/telegram/api.ts";
import { BotClient } from "../../src/telegram/bot-client.ts";
import { RateLimiter } from "../../src/telegram/rate-limit.ts";
import { TELEGRAM_TIMING } from "../../src/telegram/timing.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { unusedApi } from "../fakes/unused-api.ts";
import { refusal } from "../helpers/refusal.ts";
import { tempDir } from "./outbox-fixtures.ts";

const UNLIMITED = { perSecond: 1e6, perChatPerSecond: 1e6, perChatBurst: 1000, perGroupPerMinute: 1e6 };
const HOUR = 3_600_000;
const log = createMemoryLogger("debug");
const caller = { id: "erp", allow: null };

/** ivanov and petrov on bot main (Moscow time), sidorov on bot second (Berlin time). */
const config = {
  bots: new Map([
    ["main", { id: "main", enabled: true, timezone: "Europe/Moscow" }],
    ["second", { id: "second", enabled: true, timezone: "Europe/Berlin" }],
  ]),
  users: new Map([
    ["ivanov", { keys: ["48213977"] }],
    ["petrov", { keys: ["51928374"] }],
    ["sidorov", { keys: ["60011223"] }],
  ]),
  groups: new Map(),
} as unknown as Config;
const CHATS: Record<string, { chat: number; bot: string }> = { "48213977": { chat: 5001, bot: "main" }, "51928374": { chat: 5002, bot: "main" }, "60011223": { chat: 5003, bot: "second" } };
const keys: KeyLookup = {
  lookup: (key) => {
    const found = CHATS[key];
    return found && { key, bot: found.bot, chatId: found.chat, chatType: "private", username: null, name: null, issuedAt: "2026-11-25T09:00:00.000Z", status: "active" };
  },
  recordBlocked: async () => {},
  recordMigrated: async () => {},
};

let tmp: Awaited<ReturnType<typeof tempDir>>;
let clock: FakeClock;
let sent: Array<{ chat: number; text: string; at: number; buttons: boolean }>;
/** Sends stay on the wire until this settles. */
let holdSends: Promise<void> = Promise.resolve();
let gateway: { outbox: Outbox; worker: DeliveryWorker; notifier: Notifier; operations: MessageOperations } | undefined;

beforeEach(async () => {
  tmp = await tempDir();
  clock = new FakeClock();
  sent = [];
  holdSends = Promise.resolve();
});
afterEach(async () => {
  await stop();
  await tmp.remove();
});

function client(): BotClient {
  const api: TelegramApi = {
    ...unusedApi(),
    async sendMessage(params: SendMessageParams) {
      sent.push({ chat: params.chat_id as number, text: params.text, at: clock.now(), buttons: params.reply_markup !== undefined });
      await holdSends;
      return { message_id: sent.length, chat: { id: params.chat_id } };
    },
    async editMessageText(params) {
      const message = sent[(params.message_id as number) - 1];
      if (message) message.text = params.text;
      return true;
    },
  };
  const bot = createGramioBot({ token: "1:test", apiUrl: "http://127.0.0.1:9" });
  return new BotClient({ id: "main" } as BotConfig, { bot, api, limiter: new RateLimiter(clock, UNLIMITED), clock, secondMs: 1000 });
}

/** Opens the outbox (replaying outbox.log) and starts a worker on it, as the gateway does at start. */
async function start(): Promise<NonNullable<typeof gateway>> {
  const outbox = await Outbox.open({ platform: bunPlatform, clock, log, dataDir: tmp.dir });
  const bot = client();
  const worker = new DeliveryWorker({ outbox, bots: { get: () => bot }, keys, clock, log, events: { delivered() {}, failed() {}, retried() {} }, backoff: TELEGRAM_TIMING.sendBackoff });
  for (const state of outbox.pending()) worker.enqueue(state);
  const notifier = new Notifier({ outbox, worker, keys, events: NO_EVENTS, config: () => config, clock });
  gateway = { outbox, worker, notifier, operations: new MessageOperations({ outbox, worker, clock }) };
  return gateway;
}

async function stop(): Promise<void> {
  await gateway?.worker.stop();
  await gateway?.outbox.close();
  gateway = undefined;
}

function input(when: WhenFields, extra: Partial<NotifyInput> = {}): NotifyInput {
  return { to: ["ivanov"], text: "Standup in 5 minutes", format: "text", silent: false, when: readWhen(when)!, ...extra };
}

/** Lets the worker's sends (promises, an fsync) run without moving the fake clock. */
async function settle(predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await Bun.sleep(1);
  }
}

const status = (state: NotificationState) => notificationStatus(state, clock.now());

test("held in the outbox until due, then sent exactly on time", async () => {
  const { notifier, worker, outbox } = await start();
  const { state } = await notifier.submit(input({ delay: "1h" }), caller);
  expect(state.dueAt).toBe(clock.now() + HOUR);
  expect(status(state)).toBe("scheduled");
  expect({ scheduled: worker.scheduledCount(), depth: outbox.depth() }).toEqual({ scheduled: 1, depth: 0 });
  await clock.advance(HOUR - 1);
  await Bun.sleep(5);
  expect(sent).toEqual([]);
  await clock.advance(1);
  await settle(() => state.recipients[0]!.status === "delivered");
  expect(sent).toEqual([{ chat: 5001, text: "Standup in 5 minutes", at: state.dueAt!, buttons: false }]);
  expect({ status: status(state), scheduled: worker.scheduledCount() }).toEqual({ status: "delivered", scheduled: 0 });
});

test("a time already past is sent at once, as without one", async () => {
  const { notifier } = await start();
  const { state } = await notifier.submit(input({ at: new Date(clock.now() - 60_000).toISOString() }), caller);
  expect(state.dueAt).toBeUndefined();
  await settle(() => state.recipients[0]!.status === "delivered");
  expect(sent[0]!.at).toBe(state.at);
});

test("waiting for delivery does not wait for the schedule", async () => {
  const { notifier } = await start();
  const { state } = await notifier.submit(input({ delay: "2h" }), caller);
  let answered = false;
  void notifier.waitSettled(state, 10_000).then(() => (answered = true));
  await Bun.sleep(1);
  expect(answered).toBe(true);
});

test("DELETE before the due time cancels it: nothing is ever sent, nothing waits", async () => {
  const { notifier, operations, worker } = await start();
  const { state } = await notifier.submit(input({ delay: "30m" }, { to: ["ivanov", "petrov"] }), caller);
  const { op } = await operations.remove(state.id, caller);
  expect(state.recipients.map((recipient) => recipient.status)).toEqual(["cancelled", "cancelled"]);
  expect(op.targets.map((target) => target.status)).toEqual(["cancelled", "cancelled"]);
  expect({ status: status(state), scheduled: worker.scheduledCount() }).toEqual({ status: "cancelled", scheduled: 0 });
  await clock.advance(HOUR);
  await Bun.sleep(5);
  expect(sent).toEqual([]);
});

test("PATCH before the due time changes what will be sent, keeps the buttons, and survives a restart", async () => {
  const first = await start();
  const buttons = [[{ text: "Join", url: "https://meet.example/standup" }]];
  const { state } = await first.notifier.submit(input({ delay: "1h" }, { buttons }), caller);
  const { op } = await first.operations.edit(state.id, { text: "Standup moved to 11:00", format: "text" }, caller);
  expect(op.targets.map((target) => target.status)).toEqual(["done"]);
  expect(state.parts).toEqual(["Standup moved to 11:00"]);
  await stop();
  // Replayed from the op record; then again from the compacted file the first open wrote.
  for (let open = 0; open < 2; open++) {
    const again = await start();
    expect(again.outbox.get(state.id)!.parts).toEqual(["Standup moved to 11:00"]);
    expect(again.outbox.get(state.id)!.buttons).toEqual(buttons);
    if (open === 0) await stop();
  }
  await clock.advance(HOUR);
  await settle(() => sent.length === 1);
  expect(sent).toEqual([{ chat: 5001, text: "Standup moved to 11:00", at: state.dueAt!, buttons: true }]);
});

test("a PATCH whose long text is rendered while the message goes out edits the message, not the pending text", async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  holdSends = held;
  const { notifier, operations } = await start();
  const { state } = await notifier.submit(input({ delay: "1h" }), caller);
  // Over 16 KiB of markdown that shows one line: rendered in chunks, with turns of the event loop between.
  const text = "# \n".repeat(10_000) + "Standup moved to 11:00";
  const edit = operations.edit(state.id, { text, format: "markdown" }, caller);
  // Meanwhile the due time comes and the send starts (held on the wire).
  await clock.advance(HOUR);
  await settle(() => sent.length === 1);
  const { op } = await edit;
  // Not taken for an edit of the text still waiting: that one was already on its way.
  expect(op.targets[0]!.status).toBe("queued");
  release();
  await settle(() => state.recipients[0]!.status === "delivered");
  // The edit follows the message in the chat's order (a second of Telegram's per-chat pace).
  await clock.advance(5_000);
  await settle(() => sent[0]!.text.trim() === "Standup moved to 11:00");
});

test("across a restart: one due while down goes out at start, one due later goes out on time", async () => {
  const first = await start();
  const soon = (await first.notifier.submit(input({ delay: "10m" }, { text: "soon" }), caller)).state;
  const later = (await first.notifier.submit(input({ delay: "2h" }, { text: "later" }), caller)).state;
  await stop();
  await clock.advance(HOUR); // down for an hour
  const restarted = await start();
  expect(restarted.worker.scheduledCount()).toBe(1);
  await settle(() => sent.length === 1);
  expect(sent[0]).toMatchObject({ text: "soon", at: soon.dueAt! + 50 * 60_000 });
  await clock.advance(HOUR - 1);
  await Bun.sleep(5);
  expect(sent.length).toBe(1);
  await clock.advance(1);
  await settle(() => sent.length === 2);
  expect(sent[1]).toMatchObject({ text: "later", at: later.dueAt! });
});

test("the 24 h give-up counts from the due time: a notification due after two days still goes", async () => {
  const { notifier } = await start();
  const { state } = await notifier.submit(input({ delay: "2d" }), caller);
  await clock.advance(2 * 24 * HOUR);
  await settle(() => state.recipients[0]!.status !== "queued");
  expect(state.recipients[0]!.status).toBe("delivered");
  expect(sent[0]!.at).toBe(state.dueAt!);
});

test("HH:MM is read in the recipients' bot's zone; bots in different zones make it ambiguous, and nothing is stored", async () => {
  const { notifier, outbox } = await start();
  // 10:00Z is 13:00 in Moscow: 14:30 there is 11:30Z today.
  const { state } = await notifier.submit(input({ at: "14:30" }, { to: ["ivanov", "petrov"] }), caller);
  expect(new Date(state.dueAt!).toISOString()).toBe("2026-11-25T11:30:00.000Z");
  const error = await notifier.submit(input({ at: "14:30" }, { to: ["ivanov", "sidorov"] }), caller).then(() => undefined, (caught: unknown) => caught);
  expect(refusal(() => { throw error; })).toMatchObject({ code: "bad_at", message: expect.stringContaining("main (Europe/Moscow), second (Europe/Berlin)") });
  expect(outbox.pending().map((pending) => pending.id)).toEqual([state.id]);
});

test("Idempotency-Key covers the schedule: the same delay is a replay, another one is refused", async () => {
  const { notifier } = await start();
  const first = await notifier.submit(input({ delay: "30m" }), caller, "reminder-1");
  await clock.advance(60_000);
  const again = await notifier.submit(input({ delay: "30m" }), caller, "reminder-1");
  expect(again).toEqual({ state: first.state, replayed: true });
  const other = await notifier.submit(input({ delay: "45m" }), caller, "reminder-1").then(() => undefined, (caught: unknown) => caught);
  expect(refusal(() => { throw other; }).code).toBe("idempotency_key_reused");
  const unscheduled = await notifier.submit({ ...input({}), when: undefined } as unknown as NotifyInput, caller, "reminder-1").then(() => undefined, (caught: unknown) => caught);
  expect(refusal(() => { throw unscheduled; }).code).toBe("idempotency_key_reused");
});

test("Idempotency-Key of a scheduled notification holds until 24 h after its due time, across a restart", async () => {
  const first = await (await start()).notifier.submit(input({ delay: "3d" }), caller, "weekly-report");
  await clock.advance(2 * 24 * HOUR);
  await stop();
  const { notifier } = await start();
  // Two days on, 24 h after the accept: still the same notification, not a second one.
  expect((await notifier.submit(input({ delay: "3d" }), caller, "weekly-report")).replayed).toBe(true);
  await clock.advance(24 * HOUR + 23 * HOUR);
  await settle(() => sent.length === 1);
  expect((await notifier.submit(input({ delay: "3d" }), caller, "weekly-report")).state.id).toBe(first.state.id);
  await clock.advance(2 * HOUR);
  const later = await notifier.submit(input({ delay: "3d" }), caller, "weekly-report");
  expect({ replayed: later.replayed, same: later.state.id === first.state.id }).toEqual({ replayed: false, same: false });
});

test("PATCH of a scheduled notification of several messages is refused like any such edit, and nothing changes", async () => {
  const { notifier, operations } = await start();
  const { state } = await notifier.submit(input({ delay: "1h" }, { text: "word ".repeat(1000) }), caller);
  expect(state.partCount).toBe(2);
  const error = await operations.edit(state.id, { text: "short", format: "text" }, caller).then(() => undefined, (caught: unknown) => caught);
  expect(refusal(() => { throw error; })).toMatchObject({ code: "not_editable", message: expect.stringContaining("will go out as 2 messages") });
  expect(state.ops ?? []).toEqual([]);
});
