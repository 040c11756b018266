// The conversation on one client's GramIO bot, dispatched as the poller does, with an
// in-memory Bot API and a fake clock: replies take the send path, and what a failed reply
// means for the batch (retry it, or give up on a person who is gone).
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerHandlers } from "../../src/inbound/handlers.ts";
import { KeyRegistry } from "../../src/keys/registry.ts";
import { TelegramApiError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { createGramioBot, type SendMessageParams, type TelegramApi, type TelegramUpdate } from "../../src/telegram/api.ts";
import { BotClient } from "../../src/telegram/bot-client.ts";
import { RateLimiter } from "../../src/telegram/rate-limit.ts";
import { TELEGRAM_TIMING } from "../../src/telegram/timing.ts";
import { load } from "../config/helpers.ts";
import { FakeClock } from "../fakes/fake-clock.ts";

let dir: string;
let registry: KeyRegistry;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tgsignal-handlers-"));
  registry = await KeyRegistry.open({ platform: bunPlatform, dataDir: dir });
});
afterEach(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

const unused = () => Promise.reject(new Error("not used"));
const message = (id: number, text: string): TelegramUpdate => ({
  update_id: id,
  message: { message_id: id, date: 0, chat: { id: 5001, type: "private", first_name: "Ivan" }, from: { id: 5001, is_bot: false, first_name: "Ivan", language_code: "en" }, text },
});

/** The conversation on a client whose sendMessage runs `answer` (throw to fail). */
function conversation(answer: (params: SendMessageParams, call: number) => void) {
  const clock = new FakeClock();
  const sent: Array<{ text: string; at: number }> = [];
  const api: TelegramApi = {
    getMe: unused,
    getWebhookInfo: unused,
    getMyDescription: unused,
    getUpdates: unused,
    async sendMessage(params) {
      sent.push({ text: params.text, at: clock.now() });
      answer(params, sent.length);
      return { message_id: sent.length, chat: { id: params.chat_id } };
    },
  };
  const config = load(`bots:\n  main: { token: "1:test" }\n`).bots.get("main")!;
  const bot = createGramioBot({ token: "1:test", apiUrl: "http://127.0.0.1:9" });
  const client = new BotClient(config, { bot, api, limiter: new RateLimiter(clock, TELEGRAM_TIMING.limits), clock, secondMs: 1000 });
  const log = createMemoryLogger();
  const issued: string[] = [];
  registerHandlers(client, { registry, log, onKeyIssued: (id) => issued.push(id) });
  return { client, clock, sent, log, issued };
}

test("a key request is answered through the send path, and the key is issued once", async () => {
  const { client, clock, sent, issued } = conversation(() => {});
  await client.dispatch(message(1, "/key"));
  // The limiter spaces the bot's sends 1/29 s apart, on the fake clock.
  let answered = false;
  const again = client.dispatch(message(2, "my key")).then(() => (answered = true));
  while (!answered) {
    await clock.advance(10);
    await Bun.sleep(1);
  }
  await again;
  expect(sent.map((reply) => reply.text.match(/\d{8}/)?.[0])).toEqual([registry.keyForChat("main", 5001)!.key, registry.keyForChat("main", 5001)!.key]);
  expect(issued).toEqual(["main"]);
});

test("a reply Telegram refuses with 5xx fails the dispatch, so the poller does not confirm the batch", async () => {
  const { client } = conversation(() => {
    throw new TelegramApiError("sendMessage", 502, "Bad Gateway");
  });
  await expect(client.dispatch(message(1, "/help"))).rejects.toMatchObject({ errorCode: 502 });
});

test("a reply to a person who blocked the bot is logged and dropped: retrying cannot help", async () => {
  const { client, log } = conversation(() => {
    throw new TelegramApiError("sendMessage", 403, "Forbidden: bot was blocked by the user");
  });
  await client.dispatch(message(1, "/help"));
  expect(log.lines.some((line) => line.includes("reply not delivered") && line.includes("403"))).toBe(true);
});

test("a 429 on a reply waits retry_after (the whole bot pauses), then the reply goes out", async () => {
  const { client, clock, sent } = conversation((_, call) => {
    if (call === 1) throw new TelegramApiError("sendMessage", 429, "Too Many Requests: retry after 2", 2);
  });
  const start = clock.now();
  let done = false;
  const dispatching = client.dispatch(message(1, "/help")).then(() => (done = true));
  await clock.advance(1999);
  expect(done).toBe(false);
  await clock.advance(1);
  await dispatching;
  expect(sent.map((reply) => reply.at - start)).toEqual([0, 2000]);
});
