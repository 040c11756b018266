// One bot's client with an in-memory Bot API (scripted answers) and a fake clock: the
// send path (limiter, 429 pause, classification) and GramIO dispatch with handler failures.
import { expect, test } from "bun:test";
import type { BotConfig } from "../../src/config/types.ts";
import { NetworkError, TelegramApiError } from "../../src/lib/errors.ts";
import { createGramioBot, type SendMessageParams, type TelegramApi, type TelegramUpdate } from "../../src/telegram/api.ts";
import { BotClient } from "../../src/telegram/bot-client.ts";
import { RateLimiter } from "../../src/telegram/rate-limit.ts";
import { TELEGRAM_TIMING } from "../../src/telegram/timing.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { unusedApi } from "../fakes/unused-api.ts";

const unused = () => Promise.reject(new Error("not used"));

/** A client whose sendMessage runs `answer` (throw to fail); records when each call was made. */
function makeClient(answer: (params: SendMessageParams) => void = () => {}) {
  const clock = new FakeClock();
  const sent: Array<{ chat: number; at: number }> = [];
  const api: TelegramApi = {
    ...unusedApi(),
    getMe: async () => ({ id: 1, is_bot: true, first_name: "Signal", username: "signal_bot" }),
    getWebhookInfo: unused,
    getMyDescription: unused,
    getUpdates: unused,
    getChatMember: unused,
    async sendMessage(params) {
      sent.push({ chat: params.chat_id, at: clock.now() });
      answer(params);
      return { message_id: sent.length, chat: { id: params.chat_id } };
    },
  };
  const events = { waits: [] as number[], rateLimited: 0 };
  const client = new BotClient({ id: "main" } as BotConfig, {
    bot: createGramioBot({ token: "1:test", apiUrl: "http://127.0.0.1:9" }),
    api,
    limiter: new RateLimiter(clock, TELEGRAM_TIMING.limits),
    clock,
    secondMs: 1000,
    events: { waited: (ms) => events.waits.push(ms), rateLimited: () => events.rateLimited++ },
  });
  return { client, clock, sent, events, start: clock.now() };
}

test("a 429 pauses the whole bot for retry_after: the next send to any chat waits for it", async () => {
  let first = true;
  const { client, clock, sent, events, start } = makeClient(() => {
    if (!first) return;
    first = false;
    throw new TelegramApiError("sendMessage", 429, "Too Many Requests: retry after 3", 3);
  });
  expect(await client.send({ chat_id: 1, text: "a" })).toMatchObject({ kind: "rate_limited", retryAfterSeconds: 3 });
  expect(events.rateLimited).toBe(1);
  let outcome: unknown;
  void client.send({ chat_id: 2, text: "b" }).then((result) => (outcome = result));
  await clock.advance(2999);
  expect(outcome).toBeUndefined();
  await clock.advance(1);
  expect(outcome).toMatchObject({ kind: "ok", value: { chat: { id: 2 } } });
  expect(sent.map((call) => call.at - start)).toEqual([0, 3000]);
  expect(events.waits).toEqual([3000]);
});

test("every failure comes back classified: blocked, parse error, an ambiguous timeout", async () => {
  const failures: Record<number, Error> = {
    1: new TelegramApiError("sendMessage", 403, "Forbidden: bot was blocked by the user"),
    2: new TelegramApiError("sendMessage", 400, "Bad Request: can't parse entities: Unsupported start tag"),
    3: new NetworkError("sendMessage", "no answer within 30s; the request was aborted"),
  };
  const { client, clock } = makeClient((params) => {
    const failure = failures[params.chat_id];
    if (failure) throw failure;
  });
  // Three chats at once: the limiter spaces them 1/29 s apart on the fake clock.
  const outcomes = Promise.all([1, 2, 3].map((chat) => client.send({ chat_id: chat, text: "x" })));
  await clock.advance(100);
  const [blocked, parse, timeout] = await outcomes;
  expect(blocked!.kind).toBe("blocked");
  expect(parse!.kind).toBe("parse_error");
  expect(timeout).toMatchObject({ kind: "retryable", ambiguous: true });
});

test("a stop signal ends the wait for a slot; nothing is sent", async () => {
  const { client, sent } = makeClient();
  client.limiter.pauseUntil(Number.MAX_SAFE_INTEGER);
  const stop = new AbortController();
  const pending = client.send({ chat_id: 1, text: "x" }, stop.signal);
  stop.abort(new Error("stopping"));
  await expect(pending).rejects.toThrow("stopping");
  expect(sent).toHaveLength(0);
});

test("edits and deletions take the same send path: per-chat slots after a send, a 429 on one pauses sends, refusals classified", async () => {
  const { client, clock, sent, events, start } = makeClient();
  const calls: Array<{ method: string; at: number }> = [];
  const api = client.api as TelegramApi;
  api.editMessageText = async () => {
    calls.push({ method: "edit", at: clock.now() - start });
    throw new TelegramApiError("editMessageText", 429, "Too Many Requests: retry after 2", 2);
  };
  api.deleteMessage = async () => {
    calls.push({ method: "delete", at: clock.now() - start });
    throw new TelegramApiError("deleteMessage", 400, "Bad Request: message can't be deleted");
  };
  expect(await client.send({ chat_id: 1, text: "x" })).toMatchObject({ kind: "ok" });
  // The same chat: the edit waits for the chat's next slot, as a second send would.
  const edit = client.editText({ chat_id: 1, message_id: 1, text: "y" });
  await clock.advance(1000);
  expect(await edit).toMatchObject({ kind: "rate_limited", retryAfterSeconds: 2 });
  expect(events.rateLimited).toBe(1);
  // The whole bot pauses for the edit's retry_after: a send to another chat waits for it.
  expect(client.limiter.pausedUntil).toBe(start + calls[0]!.at + 2000);
  let outcome: unknown;
  void client.send({ chat_id: 2, text: "z" }).then((result) => (outcome = result));
  await clock.advance(client.limiter.pausedUntil - clock.now() - 1);
  expect(outcome).toBeUndefined();
  await clock.advance(1);
  expect(outcome).toMatchObject({ kind: "ok" });
  const removal = client.deleteMessage({ chat_id: 3, message_id: 1 });
  await clock.advance(100);
  expect(await removal).toMatchObject({ kind: "bad_request", reason: "400 Bad Request: message can't be deleted" });
  expect(calls.map((call) => call.method)).toEqual(["edit", "delete"]);
  expect(calls[0]!.at).toBeGreaterThan(0);
  expect(sent.map((call) => call.chat)).toEqual([1, 2]);
});

const message = (id: number, text: string): TelegramUpdate => ({
  update_id: id,
  message: { message_id: id, date: 0, chat: { id: 5, type: "private", first_name: "P" }, from: { id: 5, is_bot: false, first_name: "P" }, text },
});

test("dispatch runs the handlers registered on the bot and rejects with what one threw", async () => {
  const { client } = makeClient();
  const seen: string[] = [];
  client.bot.on("message", async (context) => {
    const text = context.update?.message?.text ?? "";
    seen.push(text);
    if (text === "fail") throw new Error("disk full");
  });
  await client.dispatch(message(1, "hello"));
  // Two updates at once (different chats of one batch): only the failing one rejects.
  const results = await Promise.allSettled([client.dispatch(message(2, "fail")), client.dispatch(message(3, "fine"))]);
  expect(results.map((result) => result.status)).toEqual(["rejected", "fulfilled"]);
  expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ message: "disk full" });
  await client.dispatch(message(2, "retried"));
  expect(seen).toEqual(["hello", "fail", "fine", "retried"]);
});

test("getMe remembers our username: commands in groups are addressed with it", async () => {
  const { client } = makeClient();
  expect(client.username).toBeUndefined();
  await client.getMe();
  expect(client.username).toBe("signal_bot");
});

test("a reaction and a keyboard edit wait for the bot's rate limiter like a send; a press's answer does not", async () => {
  const { client, clock, start } = makeClient();
  const at: Record<string, number> = {};
  client.api.setMessageReaction = async () => ((at.reaction = clock.now()), true);
  client.api.editMessageReplyMarkup = async () => ((at.edit = clock.now()), true);
  client.api.answerCallbackQuery = async () => ((at.answer = clock.now()), true);
  // A 429 paused the bot for 3 s.
  client.limiter.pauseUntil(start + 3000);
  const reaction = client.react({ chat_id: 1, message_id: 3, emoji: "👌" });
  const edit = client.editReplyMarkup({ chat_id: 2, message_id: 4 });
  expect(await client.answerCallback({ callback_query_id: "q" })).toEqual({ kind: "ok", value: true });
  await clock.advance(3100);
  expect(await reaction).toEqual({ kind: "ok", value: true });
  expect(await edit).toMatchObject({ kind: "ok" });
  expect(at.answer! - start).toBe(0);
  expect(at.reaction! - start).toBeGreaterThanOrEqual(3000);
  expect(at.edit! - start).toBeGreaterThanOrEqual(3000);
});

test("a keyboard edit Telegram calls 'not modified' has met its goal; other refusals come back classified", async () => {
  const { client, clock } = makeClient();
  let description = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same";
  client.api.editMessageReplyMarkup = async () => {
    throw new TelegramApiError("editMessageReplyMarkup", 400, description);
  };
  const first = client.editReplyMarkup({ chat_id: 1, message_id: 4 });
  await clock.advance(100);
  expect(await first).toEqual({ kind: "ok", value: true });
  description = "Bad Request: message to edit not found";
  const second = client.editReplyMarkup({ chat_id: 2, message_id: 4 });
  await clock.advance(100);
  expect(await second).toMatchObject({ kind: "bad_request" });
  client.api.setMyCommands = async () => {
    throw new TelegramApiError("setMyCommands", 429, "Too Many Requests: retry after 5", 5);
  };
  expect(await client.setCommands({ commands: [] })).toMatchObject({ kind: "rate_limited", retryAfterSeconds: 5 });
});
