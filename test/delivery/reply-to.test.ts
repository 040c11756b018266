// reply_to: who may answer which event, and the recipient it makes. A client that may not
// read the event gets the same 404 as for an id that does not exist.
import { describe, expect, test } from "bun:test";
import type { ClientConfig, Config } from "../../src/config/types.ts";
import type { InboxEvent, StoredEvent } from "../../src/events/types.ts";
import { resolveReply, type ReplyOptions } from "../../src/delivery/reply-to.ts";
import type { KeyLookup, KeyRecord } from "../../src/keys/types.ts";
import { refusal } from "../helpers/refusal.ts";

function event(id: string, user: string, key: string, extra: Partial<InboxEvent> = {}): StoredEvent {
  return {
    fileIds: [],
    event: {
      id, type: "message", at: "2026-11-29T10:00:00.000Z", bot: "main", user, key, chat_id: 5001, message_id: 57,
      from: { id: 5001, username: "ivan", name: "Ivan" }, text: "Где счёт 1042?", command: null, args: null, reply_to: null, files: [], ...extra,
    },
  };
}

const EVENTS = new Map([
  ["1042", event("1042", "ivanov", "48213977")],
  ["1043", event("1043", "sidorov", "60011223", { chat_id: 5003 })],
  ["1044", event("1044", "ivanov", "48213977", { type: "button", message_id: 3, data: "approve:42", button: "Approve", notification: "n1" })],
  ["1045", event("1045", "ivanov", "80011223", { bot: "second" })],
]);

const client = (id: string, allow: string[] | null, receive: boolean) => [id, { id, token: "t", allow, rateLimit: null, receive, webhook: null, admin: false, to: null } satisfies ClientConfig] as const;

function config(clients: Array<readonly [string, ClientConfig]>): Config {
  return {
    clients: new Map(clients),
    bots: new Map([["main", { id: "main", enabled: true }], ["second", { id: "second", enabled: false }]]),
    users: new Map([["ivanov", { keys: ["48213977"] }], ["sidorov", { keys: ["60011223"] }]]),
    groups: new Map([["ops", { name: "ops", members: ["ivanov"], users: ["ivanov"] }]]),
    keyOwners: new Map([["48213977", "ivanov"], ["60011223", "sidorov"], ["80011223", "ivanov"]]),
  } as unknown as Config;
}

const status: Record<string, KeyRecord["status"]> = { "48213977": "active", "60011223": "revoked" };
const keys: KeyLookup = {
  lookup: (key) => ({ key, bot: "main", chatId: 5001, chatType: "private", username: null, name: null, issuedAt: "", status: status[key] ?? "active" }),
  recordBlocked: async () => {},
  recordMigrated: async () => {},
};

const CLIENTS = [client("erp", null, true), client("ops-bot", ["ops"], true), client("ci", null, false)];
const reply = (eventId: string, caller: string, extra: Partial<ReplyOptions> = {}) =>
  resolveReply({ config: config(CLIENTS), keys, events: { get: (id) => EVENTS.get(id) }, eventId, caller: { id: caller, allow: CLIENTS.find(([id]) => id === caller)![1].allow }, ...extra });

describe("who may answer", () => {
  test("a receiving client with the person in its allow (through a group) gets the event's chat, replying to the person's message", () => {
    expect(reply("1042", "erp")).toEqual({ user: "ivanov", key: "48213977", bot: "main", chatId: 5001, replyToMessageId: 57, status: "queued", next: 0, messageIds: [], attempts: 0 });
    expect(reply("1042", "ops-bot")).toMatchObject({ user: "ivanov", replyToMessageId: 57 });
  });

  test("a button event is answered under our message whose button was pressed", () => {
    expect(reply("1044", "erp")).toMatchObject({ chatId: 5001, replyToMessageId: 3 });
  });

  test("an unknown id, a client without receive, and a person outside the allow look the same: 404 unknown_event", () => {
    const answers = [refusal(() => reply("999", "erp")), refusal(() => reply("1042", "ci")), refusal(() => reply("1043", "ops-bot"))];
    expect(answers.map((answer) => answer.code)).toEqual(["unknown_event", "unknown_event", "unknown_event"]);
    expect(answers[2]!.message).toContain('no event "1043" that client "ops-bot" may read');
    // The same words whichever the reason: nothing tells a foreign event from a missing one.
    expect(answers[0]!.message.replace("999", "X").replace("erp", "C")).toBe(answers[2]!.message.replace("1043", "X").replace("ops-bot", "C"));
  });

  test("with no clients configured, the local caller may answer any event", () => {
    const local = resolveReply({ config: config([]), keys, events: { get: (id) => EVENTS.get(id) }, eventId: "1043", caller: { id: "local", allow: null } });
    expect(local).toMatchObject({ user: "sidorov", chatId: 5003 });
  });
});

describe("what the reply needs", () => {
  test("bot, if given, must be the event's", () => {
    expect(reply("1042", "erp", { bot: "main" })).toMatchObject({ bot: "main" });
    expect(refusal(() => reply("1042", "erp", { bot: "second" }))).toMatchObject({ code: "bad_bot", message: expect.stringContaining('through bot "main"') });
  });

  test("the event's bot disabled: 422 recipient_unreachable", () => {
    expect(refusal(() => reply("1045", "erp"))).toMatchObject({ code: "recipient_unreachable", message: expect.stringContaining('bot "second", which is disabled') });
  });

  test("a key the person revoked since: accepted, failed at once, as for any recipient", () => {
    expect(reply("1043", "erp")).toMatchObject({ status: "failed", reason: "the person revoked this key (/stop)" });
  });
});
