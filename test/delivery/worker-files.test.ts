// The worker's file part with an in-memory Bot API, the real outbox and file store in a
// temp dir and a fake clock: one upload per bot however many lanes run, the upload passing
// to another recipient when the first one's chat refuses, a refused file_id uploaded again,
// file_ids reused after a restart, and a caption Telegram cannot parse.
import { afterEach, beforeEach, expect, test } from "bun:test";
import type { BotConfig } from "../../src/config/types.ts";
import { FileKeeper } from "../../src/delivery/file-keeper.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import type { NotificationState } from "../../src/delivery/types.ts";
import { DeliveryWorker, type DeliveryEvents } from "../../src/delivery/worker.ts";
import type { KeyLookup } from "../../src/keys/types.ts";
import { TelegramApiError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { FileStore } from "../../src/storage/file-store.ts";
import { createGramioBot, type TelegramApi } from "../../src/telegram/api.ts";
import { BotClient } from "../../src/telegram/bot-client.ts";
import type { MediaFile, SendFileParams } from "../../src/telegram/media.ts";
import { RateLimiter } from "../../src/telegram/rate-limit.ts";
import { TELEGRAM_TIMING } from "../../src/telegram/timing.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { unusedApi } from "../fakes/unused-api.ts";
import { notification, recipient, spyPlatform, tempDir, type SpyPlatform } from "./outbox-fixtures.ts";

const UNLIMITED = { perSecond: 1e6, perChatPerSecond: 1e6, perChatBurst: 1000, perGroupPerMinute: 1e6 };
const noEvents: DeliveryEvents = { delivered() {}, failed() {}, retried() {} };
const keys: KeyLookup = { lookup: () => undefined, recordBlocked: async () => {}, recordMigrated: async () => {} };
const log = createMemoryLogger("debug");

let tmp: Awaited<ReturnType<typeof tempDir>>;
let platform: SpyPlatform;
let clock: FakeClock;
let outbox: Outbox;
let keeper: FileKeeper;
let worker: DeliveryWorker | undefined;

beforeEach(async () => {
  tmp = await tempDir();
  platform = spyPlatform();
  clock = new FakeClock();
  await open();
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await outbox.close().catch(() => {});
  await tmp.remove();
});

async function open(): Promise<void> {
  keeper = new FileKeeper(new FileStore(platform, tmp.dir), log);
  outbox = await Outbox.open({ platform, clock, log, dataDir: tmp.dir, files: keeper });
}

interface Sent {
  method: string;
  chat: number;
  file: MediaFile;
  caption?: string;
  parseMode?: string;
  at: number;
}

/** A bot whose file sends take `uploadMs` on the clock when they carry bytes; `refuse` may throw. */
function fakeBot(refuse: (call: Sent) => void = () => {}, uploadMs = 500) {
  const sent: Sent[] = [];
  const texts: string[] = [];
  let ids = 0;
  const sendFile = (method: string) => async (params: SendFileParams) => {
    const call: Sent = { method, chat: params.chat_id, file: params.file, at: clock.now(), ...(params.caption !== undefined && { caption: params.caption }), ...(params.parse_mode && { parseMode: params.parse_mode }) };
    if ("path" in call.file) await clock.sleep(uploadMs);
    refuse(call);
    sent.push(call);
    ids++;
    return { message_id: ids, file_id: "fileId" in call.file ? call.file.fileId : `ID-${ids}` };
  };
  const api: TelegramApi = {
    ...unusedApi(),
    sendDocument: sendFile("sendDocument"),
    sendPhoto: sendFile("sendPhoto"),
    async sendMessage(params) {
      texts.push(params.text);
      return { message_id: ++ids, chat: { id: params.chat_id } };
    },
  };
  const bot = createGramioBot({ token: "1:test", apiUrl: "http://127.0.0.1:9" });
  const client = new BotClient({ id: "main" } as BotConfig, { bot, api, limiter: new RateLimiter(clock, UNLIMITED), clock, secondMs: 1000 });
  return { client, sent, texts, uploads: () => sent.filter((s) => "path" in s.file).length };
}

function startWorker(client: BotClient): DeliveryWorker {
  worker = new DeliveryWorker({ outbox, bots: { get: () => client }, keys, clock, log, events: noEvents, backoff: TELEGRAM_TIMING.sendBackoff, random: () => 1, files: keeper.store });
  return worker;
}

async function withFile(people: number, parts = ["Регламент"]): Promise<NotificationState> {
  const file = await keeper.store.put(new TextEncoder().encode("%PDF-1.7 regulations"));
  const state = notification(clock.now(), { parts, recipients: Array.from({ length: people }, (_, i) => recipient(`u${i}`, 6000 + i)) });
  Object.assign(state, { files: [{ hash: file.hash, name: "regl.pdf", mime: "application/pdf", size: file.size, as: "document" }], filePart: parts.length - 1 });
  await outbox.accept(state);
  keeper.letGo([file]);
  return state;
}

async function until(predicate: () => boolean, stepMs = 50): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await clock.advance(stepMs);
    await Bun.sleep(1);
  }
}

const settled = (state: NotificationState) => () => state.recipients.every((r) => r.status !== "queued");

/**
 * The stored files once every record written so far is on disk and the removals it let
 * happen are done (the worker does not wait for its progress records; the keeper removes a
 * file only after the record that freed it is durable).
 */
async function filesLeft(): Promise<string[]> {
  for (let turn = 0; ; turn++) {
    await outbox.flush();
    await keeper.idle();
    const left = await keeper.store.list();
    if (left.length === 0 || turn === 50) return left;
    await Bun.sleep(1);
  }
}

test("20 lanes at once: one upload, 19 sends by its file_id, and the file is removed once all are delivered", async () => {
  const state = await withFile(20);
  const bot = fakeBot();
  startWorker(bot.client).enqueue(state);
  await until(settled(state));
  expect(bot.uploads()).toBe(1);
  expect(bot.sent.filter((s) => "fileId" in s.file)).toHaveLength(19);
  expect(state.recipients.every((r) => r.status === "delivered" && r.fileMessageIds?.length === 1)).toBe(true);
  expect(state.fileIds).toEqual({ main: { [`document:${state.files![0]!.hash}:regl.pdf`]: "ID-1" } });
  expect(await filesLeft()).toEqual([]);
});

test("the uploading recipient's chat refuses (blocked): the next recipient uploads", async () => {
  const state = await withFile(3);
  const bot = fakeBot((call) => {
    if (call.chat === 6000) throw new TelegramApiError("sendDocument", 403, "Forbidden: bot was blocked by the user");
  });
  startWorker(bot.client).enqueue(state);
  await until(settled(state));
  expect(state.recipients.map((r) => r.status)).toEqual(["failed", "delivered", "delivered"]);
  expect(bot.uploads()).toBe(1);
});

test("a file_id Telegram refuses is uploaded again, once, and the new one kept", async () => {
  const state = await withFile(1);
  state.fileIds = { main: { [`document:${state.files![0]!.hash}:regl.pdf`]: "EXPIRED" } };
  const bot = fakeBot((call) => {
    if ("fileId" in call.file && call.file.fileId === "EXPIRED") throw new TelegramApiError("sendDocument", 400, "Bad Request: wrong file identifier/HTTP URL specified");
  });
  startWorker(bot.client).enqueue(state);
  await until(settled(state));
  expect(state.recipients[0]!.status).toBe("delivered");
  expect(bot.uploads()).toBe(1);
  expect(Object.values(state.fileIds!.main!)).toEqual(["ID-1"]);
});

test("after a restart the kept file_id is used: the other recipients get the file without an upload", async () => {
  const state = await withFile(2);
  const first = fakeBot((call) => {
    if (call.chat === 6001) throw new TelegramApiError("sendDocument", 503, "Service Unavailable");
  });
  const w = startWorker(first.client);
  w.enqueue(state);
  await until(() => state.recipients[0]!.status === "delivered" && state.recipients[1]!.attempts > 0);
  await w.stop();
  worker = undefined;
  await outbox.close();
  await open();
  const again = outbox.get(state.id)!;
  const second = fakeBot();
  startWorker(second.client).enqueue(again);
  await until(settled(again));
  expect(second.uploads()).toBe(0);
  expect(second.sent.map((s) => s.file)).toEqual([{ fileId: "ID-1" }]);
});

test("a caption Telegram cannot parse goes as plain text; too long as plain text, it goes as a message first", async () => {
  const short = await withFile(1, ["<b>Счёт</b>"]);
  const parseError = new TelegramApiError("sendDocument", 400, "Bad Request: can't parse entities: unsupported start tag");
  const bot = fakeBot((call) => {
    if (call.parseMode === "HTML") throw parseError;
  });
  startWorker(bot.client).enqueue(short);
  await until(settled(short));
  expect(bot.sent.at(-1)).toMatchObject({ caption: "<b>Счёт</b>" });
  expect(bot.sent.at(-1)!.parseMode).toBeUndefined();
  expect(short.recipients[0]!.warning).toContain("sent as plain text");

  const long = await withFile(1, [`<b>${"x".repeat(1000)}</b><i>${"y".repeat(20)}</i>`]);
  worker!.enqueue(long);
  await until(settled(long));
  expect(bot.texts.at(-1)).toBe(`<b>${"x".repeat(1000)}</b><i>${"y".repeat(20)}</i>`);
  expect(bot.sent.at(-1)!.caption).toBeUndefined();
  expect(long.recipients[0]!.messageIds).toHaveLength(2);
});

test("a scheduled notification keeps its file until its time, then uploads it once for everyone", async () => {
  const state = await withFile(3);
  state.dueAt = clock.now() + 60_000;
  const bot = fakeBot();
  startWorker(bot.client).enqueue(state);
  await clock.advance(59_000);
  await Bun.sleep(1);
  expect(bot.sent).toHaveLength(0);
  expect(await keeper.store.list()).toEqual([state.files![0]!.hash]);
  await until(settled(state), 500);
  expect(bot.uploads()).toBe(1);
  expect(bot.sent.every((s) => s.at >= state.dueAt!)).toBe(true);
  expect(await filesLeft()).toEqual([]);
});

test("a file removed by hand from data_dir/files fails its recipients, without backing the bot off", async () => {
  const state = await withFile(2);
  await platform.remove(keeper.store.path(state.files![0]!.hash));
  const bot = fakeBot();
  const w = startWorker(bot.client);
  w.enqueue(state);
  await until(settled(state));
  expect(state.recipients.map((r) => [r.status, r.reason])).toEqual([
    ["failed", 'file "regl.pdf" is no longer in data_dir/files (removed by hand?); it cannot be sent'],
    ["failed", 'file "regl.pdf" is no longer in data_dir/files (removed by hand?); it cannot be sent'],
  ]);
  expect(bot.sent).toHaveLength(0);
  expect(w.botState("main").failures).toBe(0);
});
