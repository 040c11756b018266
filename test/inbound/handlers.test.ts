// The conversation on one client's GramIO bot, dispatched as the poller does, with an
// in-memory Bot API and a fake clock: dispatch resolves once the key is on disk, replies
// are queued per chat and take the send path (retried when it may heal, dropped for a
// person who is gone), and who may stop a group's key.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tellKeyRevoked } from "../../src/inbound/conversation.ts";
import { registerHandlers } from "../../src/inbound/handlers.ts";
import { ReplyQueue } from "../../src/inbound/replies.ts";
import { KeyRegistry } from "../../src/keys/registry.ts";
import { TelegramApiError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { createGramioBot, type ChatMemberStatus, type SendMessageParams, type TelegramApi, type TelegramUpdate } from "../../src/telegram/api.ts";
import { BotClient } from "../../src/telegram/bot-client.ts";
import { RateLimiter } from "../../src/telegram/rate-limit.ts";
import { TELEGRAM_TIMING } from "../../src/telegram/timing.ts";
import { load } from "../config/helpers.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { MemoryInbox } from "../fakes/memory-inbox.ts";
import { unusedApi } from "../fakes/unused-api.ts";

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
const GROUP = { id: -7001, type: "group" as const, title: "Ops" };
const inGroup = (id: number, userId: number, text: string): TelegramUpdate => ({
  update_id: id,
  message: { message_id: id, date: 0, chat: GROUP, from: { id: userId, is_bot: false, first_name: `U${userId}`, language_code: "en" }, text },
});

/** Moves the fake clock in small steps until `done` holds (replies drain in the background). */
async function until(clock: FakeClock, done: () => boolean): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > 2000) throw new Error("never happened");
    await clock.advance(10);
    await Bun.sleep(0);
  }
}

/**
 * The conversation on a client whose sendMessage runs `answer` (throw to fail) and whose
 * getChatMember answers from `members` (a user not in it: 400 user not found); Telegram
 * answers a send after `roundTripMs` on the fake clock.
 */
function conversation(answer: (params: SendMessageParams, call: number) => void, members: Record<number, ChatMemberStatus | Error> = {}, roundTripMs = 0) {
  const clock = new FakeClock();
  const sent: Array<{ text: string; at: number }> = [];
  const api: TelegramApi = {
    ...unusedApi(),
    getMe: unused,
    getWebhookInfo: unused,
    getMyDescription: unused,
    getUpdates: unused,
    async getChatMember({ user_id }) {
      const member = members[user_id];
      if (member instanceof Error) throw member;
      if (!member) throw new TelegramApiError("getChatMember", 400, "Bad Request: user not found");
      return { status: member };
    },
    async sendMessage(params) {
      sent.push({ text: params.text, at: clock.now() });
      await clock.sleep(roundTripMs);
      answer(params, sent.length);
      return { message_id: sent.length, chat: { id: params.chat_id } };
    },
  };
  const config = load(`bots:\n  main: { token: "1:test" }\n`).bots.get("main")!;
  const bot = createGramioBot({ token: "1:test", apiUrl: "http://127.0.0.1:9" });
  const client = new BotClient(config, { bot, api, limiter: new RateLimiter(clock, TELEGRAM_TIMING.limits), clock, secondMs: 1000 });
  const log = createMemoryLogger();
  const issued: string[] = [];
  const replies = new ReplyQueue({ clock, log, timing: TELEGRAM_TIMING, random: () => 1 });
  const notifications = { get: () => undefined, findByMessage: () => undefined };
  registerHandlers(client, { registry, log, replies, clock, ownerOf: () => undefined, inbox: new MemoryInbox(), notifications, onKeyIssued: (id) => issued.push(id) });
  return { client, clock, sent, log, issued, replies };
}

test("dispatch resolves once the key is on disk; the reply follows through the send path; the key is issued once", async () => {
  const { client, clock, sent, issued } = conversation(() => {});
  await client.dispatch(message(1, "/key"));
  const key = registry.keyForChat("main", 5001)!.key;
  await until(clock, () => sent.length === 1);
  await client.dispatch(message(2, "my key"));
  await until(clock, () => sent.length === 2);
  expect(sent.map((reply) => reply.text.match(/\d{8}/)?.[0])).toEqual([key, key]);
  expect(issued).toEqual(["main"]);
});

test("a flood from one chat is coalesced: ten /key in a row get one reply, 'not connected' at most once per window", async () => {
  const { client, clock, sent, replies } = conversation(() => {}, {}, 50);
  for (let i = 1; i <= 10; i++) await client.dispatch(message(i, "/key"));
  for (let i = 11; i <= 40; i++) await client.dispatch(message(i, `chatter ${i}`));
  expect(replies.pendingCount).toBeLessThanOrEqual(1);
  await until(clock, () => sent.length === 2 && replies.pendingCount === 0);
  await clock.advance(5000);
  expect(sent.map((reply) => reply.text.slice(0, 9))).toEqual(["Your key:", "Your mess"]);
  // After the chatter window, the same question gets the help again.
  await clock.advance(30_000);
  await client.dispatch(message(41, "hello?"));
  await until(clock, () => sent.length === 3);
});

test("a reply Telegram refuses with 5xx is retried after a backoff; the update is handled at once", async () => {
  const { client, clock, sent } = conversation((_, call) => {
    if (call === 1) throw new TelegramApiError("sendMessage", 502, "Bad Gateway");
  });
  const start = clock.now();
  await client.dispatch(message(1, "/help"));
  await until(clock, () => sent.length === 2);
  // The send backoff's first step is 1 s (the test's random makes it the whole step).
  expect(sent.map((reply) => reply.at - start)).toEqual([0, 1000]);
});

test("a reply to a person who blocked the bot is logged and dropped: retrying cannot help", async () => {
  const { client, clock, log, sent } = conversation(() => {
    throw new TelegramApiError("sendMessage", 403, "Forbidden: bot was blocked by the user");
  });
  await client.dispatch(message(1, "/help"));
  await until(clock, () => log.lines.some((line) => line.includes("reply not delivered") && line.includes("403")));
  await clock.advance(60_000);
  expect(sent).toHaveLength(1);
});

test("a 429 on a reply waits retry_after (the whole bot pauses), then the reply goes out", async () => {
  const { client, clock, sent } = conversation((_, call) => {
    if (call === 1) throw new TelegramApiError("sendMessage", 429, "Too Many Requests: retry after 2", 2);
  });
  const start = clock.now();
  await client.dispatch(message(1, "/help"));
  await until(clock, () => sent.length === 2);
  expect(sent.map((reply) => reply.at - start)).toEqual([0, 2000]);
});

test("shutdown drops the queued replies; the keys stay issued", async () => {
  const { client, clock, sent, replies } = conversation(() => {});
  for (let i = 1; i <= 5; i++) await client.dispatch(message(i, i % 2 ? "/key" : "/stop"));
  expect(replies.pendingCount).toBeGreaterThan(0);
  const dropped = replies.stop();
  expect(dropped).toBeGreaterThan(0);
  await clock.advance(60_000);
  expect(sent.length).toBeLessThanOrEqual(1);
  expect(registry.list().map((record) => record.status)).toEqual(["revoked", "revoked", "active"]);
});

describe("a group's key", () => {
  test("the member who asked for it may stop it (requested_by is in the log)", async () => {
    const { client, clock, sent } = conversation(() => {});
    await client.dispatch(inGroup(1, 10, "/key"));
    expect(registry.keyForChat("main", GROUP.id)).toMatchObject({ requestedBy: 10, status: "active" });
    await client.dispatch(inGroup(2, 10, "/stop"));
    expect(registry.keyForChat("main", GROUP.id)).toBeUndefined();
    await until(clock, () => sent.length === 2);
    expect(sent[1]!.text).toContain("revoked");
  });

  test("another member gets a polite refusal; an administrator (asked through getChatMember) may stop it", async () => {
    const { client, clock, sent, log } = conversation(() => {}, { 11: "member", 12: "administrator", 13: "creator" });
    await client.dispatch(inGroup(1, 10, "/key"));
    const key = registry.keyForChat("main", GROUP.id)!.key;
    await client.dispatch(inGroup(2, 11, "/stop"));
    await client.dispatch(inGroup(3, 14, "/stop"));
    expect(registry.lookup(key)!.status).toBe("active");
    await until(clock, () => sent.length === 2);
    expect(sent[1]!.text).toContain("only a group administrator or the person who asked");
    expect(log.lines.some((line) => line.includes("group key stop refused") && line.includes("user_id=11"))).toBe(true);
    await client.dispatch(inGroup(4, 12, "/stop"));
    expect(registry.lookup(key)!.status).toBe("revoked");
    await client.dispatch(inGroup(5, 13, "/key"));
    await client.dispatch(inGroup(6, 13, "/stop"));
    expect(registry.keyForChat("main", GROUP.id)).toBeUndefined();
  });

  test("an anonymous administrator (posting as the group itself) may stop it; a linked channel's post is no one's", async () => {
    // Telegram's placeholder sender for anonymous admins (@GroupAnonymousBot); getChatMember says nothing useful of it.
    const anonymous = { id: 1087968824, is_bot: true, first_name: "Group", username: "GroupAnonymousBot" };
    const { client, clock, sent } = conversation(() => {}, { 1087968824: "member", 136817688: "member" });
    await client.dispatch(inGroup(1, 10, "/key"));
    const key = registry.keyForChat("main", GROUP.id)!.key;
    const channel = { id: -1001234, type: "channel" as const, title: "News" };
    await client.dispatch({ update_id: 2, message: { message_id: 2, date: 0, chat: GROUP, from: { id: 136817688, is_bot: true, first_name: "Channel" }, sender_chat: channel, text: "/stop" } } as TelegramUpdate);
    expect(registry.lookup(key)!.status).toBe("active");
    await client.dispatch({ update_id: 3, message: { message_id: 3, date: 0, chat: GROUP, from: anonymous, sender_chat: GROUP, text: "/stop" } } as TelegramUpdate);
    expect(registry.lookup(key)!.status).toBe("revoked");
    await until(clock, () => sent.length === 2);
    expect(sent.map((message) => message.text)).toEqual([expect.stringContaining(key), expect.stringContaining("revoked")]);
  });

  test("a key from before requested_by was recorded is admin-only; a failed check makes the update come again", async () => {
    const { client } = conversation(() => {}, { 10: "member", 11: new TelegramApiError("getChatMember", 502, "Bad Gateway") });
    const { record } = await registry.issueKey({ bot: "main", chatId: GROUP.id, chatType: "group", username: null, name: "Ops" });
    expect(record.requestedBy).toBeUndefined();
    await client.dispatch(inGroup(1, 10, "/stop"));
    expect(registry.lookup(record.key)!.status).toBe("active");
    await expect(client.dispatch(inGroup(2, 11, "/stop"))).rejects.toMatchObject({ errorCode: 502 });
    expect(registry.lookup(record.key)!.status).toBe("active");
  });
});

test("/key keeps the asker's language; an admin's revocation is told in it, on the reply path", async () => {
  const { client, clock, sent, replies } = conversation(() => {});
  const update = message(1, "/key");
  update.message!.from!.language_code = "uk";
  await client.dispatch(update);
  const record = registry.keyForChat("main", 5001)!;
  expect(record.language).toBe("uk");
  await registry.revokeKey(record.key, "admin");
  tellKeyRevoked(client, { replies }, registry.lookup(record.key)!);
  await until(clock, () => sent.length === 2);
  expect(sent[1]!.text).toBe(`Ключ ${record.key} отозван. Уведомления больше не будут приходить. Новый ключ: /key`);
  // A record from before the language was kept: the bot's language (auto: English).
  tellKeyRevoked(client, { replies }, { ...record, language: undefined });
  await until(clock, () => sent.length === 3);
  expect(sent[2]!.text).toStartWith(`Key ${record.key} is revoked.`);
});
