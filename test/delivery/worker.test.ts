// The delivery worker with an in-memory Bot API (scripted answers), the real outbox in a
// temp dir and a fake clock: what happens to a chat's queue on failure paths.
import { afterEach, beforeEach, expect, test } from "bun:test";
import type { BotConfig } from "../../src/config/types.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { RateLimiter } from "../../src/telegram/rate-limit.ts";
import { DeliveryWorker, type DeliveryEvents } from "../../src/delivery/worker.ts";
import type { KeyLookup } from "../../src/keys/types.ts";
import { TelegramApiError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import type { SendMessageParams, SentMessage, TelegramApi } from "../../src/telegram/api.ts";
import type { BotClient } from "../../src/telegram/bot-clients.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { notification, recipient, spyPlatform, tempDir, type SpyPlatform } from "./outbox-fixtures.ts";

const UNLIMITED = { perSecond: 1e6, perChatPerSecond: 1e6, perChatBurst: 1000, perGroupPerMinute: 1e6 };
const noEvents: DeliveryEvents = { delivered() {}, failed() {}, waited() {}, tooManyRequests() {}, retried() {} };

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

/** A bot whose sendMessage answers with `answer(params)` (throw to fail); records every call. */
function fakeBot(answer: (params: SendMessageParams, call: number) => void): { client: BotClient; calls: SendMessageParams[] } {
  const calls: SendMessageParams[] = [];
  const api: TelegramApi = {
    getMe: () => Promise.reject(new Error("not used")),
    getWebhookInfo: () => Promise.reject(new Error("not used")),
    getMyDescription: () => Promise.reject(new Error("not used")),
    getUpdates: () => Promise.reject(new Error("not used")),
    async sendMessage(params): Promise<SentMessage> {
      calls.push(params);
      answer(params, calls.length);
      return { message_id: calls.length, chat: { id: params.chat_id } };
    },
  };
  return { client: { config: { id: "main" } as BotConfig, api, limiter: new RateLimiter(clock, UNLIMITED) }, calls };
}

const keys: KeyLookup = { lookup: () => undefined, recordBlocked: async () => {}, recordMigrated: async () => {} };

function startWorker(client: BotClient): DeliveryWorker {
  worker = new DeliveryWorker({ outbox, bots: { get: () => client }, keys, clock, log, events: noEvents });
  return worker;
}

async function until(predicate: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await clock.advance(10);
    await Bun.sleep(2);
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
