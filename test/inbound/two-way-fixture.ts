// The conversation on one client's GramIO bot for the two-way tests: an in-memory Bot API
// that records every call (and can refuse some), a key registry on a temp dir, the
// in-memory inbox, a notifications table, metrics hooks, and a fake clock. Updates are
// dispatched as the poller does (client.dispatch).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NotificationLookup, NotificationView } from "../../src/inbound/notifications.ts";
import { registerHandlers } from "../../src/inbound/handlers.ts";
import { ReplyQueue } from "../../src/inbound/replies.ts";
import type { ChatType } from "../../src/keys/types.ts";
import { KeyRegistry } from "../../src/keys/registry.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { createGramioBot, type TelegramApi, type TelegramMessage, type TelegramUpdate } from "../../src/telegram/api.ts";
import { BotClient } from "../../src/telegram/bot-client.ts";
import { RateLimiter } from "../../src/telegram/rate-limit.ts";
import { TELEGRAM_TIMING } from "../../src/telegram/timing.ts";
import { load } from "../config/helpers.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { MemoryInbox } from "../fakes/memory-inbox.ts";
import { unusedApi } from "../fakes/unused-api.ts";

/** Our bot: Telegram id 1 (the token's number), @signal_bot. */
export const BOT_ID = 1;
export const USERNAME = "signal_bot";

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
}

type Method = "sendMessage" | "setMessageReaction" | "answerCallbackQuery" | "editMessageReplyMarkup" | "setMyCommands";

export interface TwoWayOptions {
  /** YAML under `bots.main` (besides the token). */
  bot?: string;
  /** A method's call throws what this returns (nothing: it succeeds). */
  refuse?: Partial<Record<Method, (params: Record<string, unknown>, call: number) => Error | undefined>>;
}

export async function twoWay(options: TwoWayOptions = {}) {
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-two-way-"));
  const registry = await KeyRegistry.open({ platform: bunPlatform, dataDir: dir });
  const clock = new FakeClock();
  const calls: ApiCall[] = [];
  const record = (method: Method) => async (params: object) => {
    const plain = params as Record<string, unknown>;
    calls.push({ method, params: plain, at: clock.now() });
    const error = options.refuse?.[method]?.(plain, calls.filter((call) => call.method === method).length);
    if (error) throw error;
  };
  let sent = 1000;
  const api: TelegramApi = {
    ...unusedApi(),
    async sendMessage(params) {
      await record("sendMessage")(params);
      return { message_id: ++sent, chat: { id: params.chat_id } };
    },
    setMessageReaction: async (params) => (await record("setMessageReaction")(params), true),
    answerCallbackQuery: async (params) => (await record("answerCallbackQuery")(params), true),
    editMessageReplyMarkup: async (params) => (await record("editMessageReplyMarkup")(params), true),
    setMyCommands: async (params) => (await record("setMyCommands")(params), true),
  };
  const config = load(`bots:\n  main:\n    token: "${BOT_ID}:test"\n${indent(options.bot ?? "")}`).bots.get("main")!;
  const bot = createGramioBot({ token: `${BOT_ID}:test`, apiUrl: "http://127.0.0.1:9" });
  const client = new BotClient(config, { bot, api, limiter: new RateLimiter(clock, TELEGRAM_TIMING.limits), clock, secondMs: 1000 });
  client.username = USERNAME;
  const log = createMemoryLogger();
  const inbox = new MemoryInbox();
  const owners = new Map<string, string>();
  const notifications = new Map<string, NotificationView>();
  const lookup: NotificationLookup = {
    get: (id) => notifications.get(id),
    findByMessage(bot, chatId, messageId) {
      for (const view of notifications.values()) {
        if (view.recipients.some((r) => r.bot === bot && r.chatId === chatId && r.messageIds.includes(messageId))) return view.id;
      }
      return undefined;
    },
  };
  const metrics = { presses: [] as string[], acksFailed: [] as string[] };
  const replies = new ReplyQueue({ clock, log, timing: TELEGRAM_TIMING, random: () => 1 });
  registerHandlers(client, {
    registry,
    log,
    replies,
    clock,
    ownerOf: (key) => owners.get(key),
    inbox,
    notifications: lookup,
    onPress: (_, outcome) => metrics.presses.push(outcome),
    onAckFailed: (_, kind) => metrics.acksFailed.push(kind),
  });

  return {
    client,
    clock,
    calls,
    log,
    inbox,
    registry,
    replies,
    notifications,
    metrics,
    /** Calls of one method so far. */
    called: (method: Method) => calls.filter((call) => call.method === method),
    /** Issues the chat's key and assigns it to `user` (as `users:` in the config would). */
    async connect(chatId: number, user: string, chatType: ChatType = "private"): Promise<string> {
      const { record: key } = await registry.issueKey({ bot: "main", chatId, chatType, username: null, name: user });
      owners.set(key.key, user);
      return key.key;
    },
    /** Moves the fake clock in small steps until `done` holds (replies drain in the background). */
    async until(done: () => boolean): Promise<void> {
      for (let i = 0; !done(); i++) {
        if (i > 2000) throw new Error("never happened");
        await clock.advance(10);
        await Bun.sleep(0);
      }
    },
    /** Lets queued work run for `ms` of fake time. */
    async settle(ms = 5000): Promise<void> {
      for (let t = 0; t < ms; t += 50) {
        await clock.advance(50);
        await Bun.sleep(0);
      }
    },
    async close(): Promise<void> {
      replies.stop();
      await registry.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type TwoWay = Awaited<ReturnType<typeof twoWay>>;

function indent(text: string): string {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => `    ${line}\n`)
    .join("");
}

export const IVAN = { id: 5001, is_bot: false, first_name: "Ivan", last_name: "Petrov", username: "ivan", language_code: "en" } as const;
export const ANNA = { id: 5003, is_bot: false, first_name: "Anna", language_code: "ru" } as const;
export const GROUP = { id: -7001, type: "group" as const, title: "Ops" };
const privateChat = (user: { id: number; first_name: string }) => ({ id: user.id, type: "private" as const, first_name: user.first_name });

/** A message update: private with Ivan unless `chat`/`from` say otherwise. */
export function message(updateId: number, fields: Partial<TelegramMessage> & { from?: TelegramMessage["from"] }): TelegramUpdate {
  const from = fields.from ?? IVAN;
  return {
    update_id: updateId,
    message: { message_id: 100 + updateId, date: 0, chat: privateChat(from), ...fields, from } as TelegramMessage,
  };
}

export function text(updateId: number, value: string, fields: Partial<TelegramMessage> = {}): TelegramUpdate {
  return message(updateId, { text: value, ...fields });
}

/** A press of callback `data` on our message `messageId` in `chat`. */
export function press(
  updateId: number,
  data: string,
  at: { messageId: number; chat?: { id: number; type: "private" | "group" | "supergroup"; title?: string }; from?: typeof IVAN | typeof ANNA },
): TelegramUpdate {
  const from = at.from ?? IVAN;
  const chat = at.chat ?? privateChat(from);
  return {
    update_id: updateId,
    callback_query: {
      id: `q${updateId}`,
      from,
      chat_instance: "c1",
      data,
      message: { message_id: at.messageId, date: 1, chat, from: { id: BOT_ID, is_bot: true, first_name: "Signal", username: USERNAME }, text: "Invoice 1042" },
    } as NonNullable<TelegramUpdate["callback_query"]>,
  };
}
