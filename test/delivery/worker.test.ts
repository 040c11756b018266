// The delivery worker with an in-memory Bot API (scripted answers), the real outbox in a
// temp dir and a fake clock: what happens to a chat's queue on failure paths.
import { afterEach, beforeEach, expect, test } from "bun:test";
import type { BotConfig } from "../../src/config/types.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { DeliveryWorker, type DeliveryEvents } from "../../src/delivery/worker.ts";
import type { KeyLookup, KeyRecord } from "../../src/keys/types.ts";
import { TelegramApiError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { createGramioBot, type SendMessageParams, type SentMessage, type TelegramApi } from "../../src/telegram/api.ts";
import { BotClient } from "../../src/telegram/bot-client.ts";
import { RateLimiter } from "../../src/telegram/rate-limit.ts";
import { TELEGRAM_TIMING } from "../../src/telegram/timing.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { notification, recipient, spyPlatform, tempDir, type SpyPlatform } from "./outbox-fixtures.ts";
import { unusedApi } from "../fakes/unused-api.ts";

const UNLIMITED = { perSecond: 1e6, perChatPerSecond: 1e6, perChatBurst: 1000, perGroupPerMinute: 1e6 };
const noEvents: DeliveryEvents = { delivered() {}, failed() {}, retried() {} };

let tmp: Awaited<ReturnType<typeof tempDir>>;
let platform: SpyPlatform;
let clock: FakeClock;
let outbox: Outbox;
let worker: DeliveryWorker | undefined;
const log = createMemoryLogger("debug");

beforeEach(async () => {
  tmp = await tempDir();
  platform = spyPlatform();
  clock = new FakeClock();
  outbox = await Outbox.open({ platform, clock, log, dataDir: tmp.dir });
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await outbox.close().catch(() => {});
  await tmp.remove();
});

/** A bot whose sendMessage answers with `answer(params)` (throw to fail); records every call and when it came. */
function fakeBot(answer: (params: SendMessageParams, call: number) => void, limits = UNLIMITED): { client: BotClient; calls: SendMessageParams[]; times: number[] } {
  const calls: SendMessageParams[] = [];
  const times: number[] = [];
  const api: TelegramApi = {
    ...unusedApi(),
    getMe: () => Promise.reject(new Error("not used")),
    getWebhookInfo: () => Promise.reject(new Error("not used")),
    getMyDescription: () => Promise.reject(new Error("not used")),
    getUpdates: () => Promise.reject(new Error("not used")),
    getChatMember: () => Promise.reject(new Error("not used")),
    async sendMessage(params): Promise<SentMessage> {
      calls.push(params);
      times.push(clock.now());
      answer(params, calls.length);
      return { message_id: calls.length, chat: { id: params.chat_id } };
    },
  };
  const bot = createGramioBot({ token: "1:test", apiUrl: "http://127.0.0.1:9" });
  const client = new BotClient({ id: "main" } as BotConfig, { bot, api, limiter: new RateLimiter(clock, limits), clock, secondMs: 1000 });
  return { client, calls, times };
}

const keys: KeyLookup = { lookup: () => undefined, recordBlocked: async () => {}, recordMigrated: async () => {} };

function startWorker(client: BotClient, keyLookup: KeyLookup = keys, events: DeliveryEvents = noEvents): DeliveryWorker {
  worker = new DeliveryWorker({ outbox, bots: { get: () => client }, keys: keyLookup, clock, log, events, backoff: TELEGRAM_TIMING.sendBackoff, random: () => 1 });
  return worker;
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

test("a failure whose outbox record cannot be written does not drop the chat's later notifications", async () => {
  const first = notification(clock.now(), { parts: ["first"], recipients: [recipient("ivanov", 5001)] });
  const second = notification(clock.now(), { parts: ["second"], recipients: [recipient("ivanov", 5001)] });
  await outbox.accept(first);
  await outbox.accept(second);
  const { client, calls } = fakeBot((params) => {
    if (params.text === "first") {
      platform.failSyncs = 1; // the disk fails just as the "failed" record is written
      throw new TelegramApiError("sendMessage", 400, "Bad Request: message thread not found");
    }
  });
  const w = startWorker(client);
  w.enqueue(first);
  w.enqueue(second);
  await until(() => second.recipients[0]!.status !== "queued");
  expect(first.recipients[0]!.status).toBe("failed");
  expect(second.recipients[0]!.status).toBe("delivered");
  expect(calls.map((call) => call.text)).toEqual(["first", "second"]);
});

test("a 5xx keeps the message and backs the whole bot off, doubling, on the clock; the chat's order holds", async () => {
  const first = notification(clock.now(), { parts: ["first"], recipients: [recipient("ivanov", 5001)] });
  const second = notification(clock.now(), { parts: ["second"], recipients: [recipient("ivanov", 5001)] });
  await outbox.accept(first);
  await outbox.accept(second);
  const { client, calls, times } = fakeBot((_, call) => {
    if (call <= 2) throw new TelegramApiError("sendMessage", 502, "Bad Gateway");
  });
  const w = startWorker(client);
  w.enqueue(first);
  w.enqueue(second);
  await until(() => second.recipients[0]!.status !== "queued", 50);
  expect(calls.map((call) => call.text)).toEqual(["first", "first", "first", "second"]);
  // Backoff 1 s, then 2 s (random = 1: the full step).
  expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1000);
  expect(times[1]! - times[0]!).toBeLessThan(1100);
  expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(2000);
  expect(times[2]! - times[1]!).toBeLessThan(2100);
  expect(first.recipients[0]).toMatchObject({ status: "delivered", attempts: 2 });
  expect(w.botState("main")).toMatchObject({ failures: 0, lastError: "502 Bad Gateway" });
});

test("a 429 pauses the bot for retry_after, then the same message goes out", async () => {
  const only = notification(clock.now(), { parts: ["after the pause"], recipients: [recipient("ivanov", 5001)] });
  await outbox.accept(only);
  const { client, times } = fakeBot((_, call) => {
    if (call === 1) throw new TelegramApiError("sendMessage", 429, "Too Many Requests: retry after 3", 3);
  }, TELEGRAM_TIMING.limits);
  startWorker(client).enqueue(only);
  await until(() => only.recipients[0]!.status !== "queued", 50);
  expect(only.recipients[0]).toMatchObject({ status: "delivered", attempts: 1 });
  expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(3000);
  expect(times[1]! - times[0]!).toBeLessThan(3100);
});

/** Key records the worker looks up (a recipient's key is 10000000 + its chat id); tests revoke them in place. */
function keyBook(...chats: number[]): { lookup: KeyLookup; revoke(chat: number, by: "user" | "admin"): void } {
  const records = new Map<string, KeyRecord>();
  for (const chat of chats) {
    const key = String(10_000_000 + chat);
    records.set(key, { key, bot: "main", chatId: chat, chatType: "private", username: null, name: null, issuedAt: "2026-11-25T10:00:00.000Z", status: "active" });
  }
  return {
    lookup: { ...keys, lookup: (key) => records.get(key) },
    revoke(chat, by) {
      const key = String(10_000_000 + chat);
      records.set(key, { ...records.get(key)!, status: "revoked", revokedBy: by });
    },
  };
}

test("a key revoked by the admin while its notification waits out a 429 pause: it fails with the reason, nothing more is sent", async () => {
  const waiting = notification(clock.now(), { parts: ["one", "two"], recipients: [recipient("ivanov", 5001)] });
  await outbox.accept(waiting);
  const book = keyBook(5001);
  const failed: string[] = [];
  const { client, calls } = fakeBot((_, call) => {
    if (call === 1) throw new TelegramApiError("sendMessage", 429, "Too Many Requests: retry after 30", 30);
  }, TELEGRAM_TIMING.limits);
  const w = startWorker(client, book.lookup, { ...noEvents, failed: (_bot, reason) => void failed.push(reason) });
  w.enqueue(waiting);
  await until(() => calls.length === 1 && client.limiter.pausedUntil > clock.now());
  await clock.advance(1000);
  book.revoke(5001, "admin");
  w.keyRevoked("10005001");
  // Well inside the 30 s pause: the wait was stopped, not waited out.
  await until(() => waiting.recipients[0]!.status !== "queued");
  expect(clock.now()).toBeLessThan(client.limiter.pausedUntil);
  expect(waiting.recipients[0]).toMatchObject({ status: "failed", reason: expect.stringContaining("the admin revoked key 10005001") });
  await clock.advance(31_000);
  expect(calls).toHaveLength(1);
  expect(failed).toEqual(["blocked"]);
  expect(outbox.get(waiting.id)!.recipients[0]!.status).toBe("failed");
});

test("a notification queued behind another in its chat finds the key revoked (/stop) at its turn and fails without a send", async () => {
  const first = notification(clock.now(), { parts: ["first"], recipients: [recipient("ivanov", 5001)] });
  const second = notification(clock.now(), { parts: ["second"], recipients: [recipient("ivanov", 5001)] });
  const other = notification(clock.now(), { parts: ["other chat"], recipients: [recipient("petrov", 5002)] });
  for (const state of [first, second, other]) await outbox.accept(state);
  const book = keyBook(5001, 5002);
  const { client, calls } = fakeBot((params) => {
    if (params.text === "first") book.revoke(5001, "user");
  });
  const w = startWorker(client, book.lookup);
  for (const state of [first, second, other]) w.enqueue(state);
  await until(() => second.recipients[0]!.status !== "queued" && other.recipients[0]!.status !== "queued");
  expect(calls.map((call) => call.text).sort()).toEqual(["first", "other chat"]);
  expect(first.recipients[0]!.status).toBe("delivered");
  expect(second.recipients[0]).toMatchObject({ status: "failed", reason: "the person revoked this key (/stop)" });
  expect(other.recipients[0]!.status).toBe("delivered");
});
