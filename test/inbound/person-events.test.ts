// What people write for the system, through the conversation on a client's GramIO bot:
// each kind of message a connected chat sends becomes one event (durable before dispatch
// resolves) and is acknowledged; anyone else is told how to connect and nothing is
// recorded; in groups only what is addressed to the bot counts.
import { afterEach, describe, expect, test } from "bun:test";
import { TelegramApiError } from "../../src/lib/errors.ts";
import { ANNA, GROUP, IVAN, message, text, twoWay, BOT_ID, type TwoWay } from "./two-way-fixture.ts";

let t: TwoWay;
afterEach(() => t.close());

const events = () => t.inbox.events.map((stored) => stored.event);

describe("a connected person's messages become events", () => {
  test("a text message: the event in the DESIGN's shape, at the clock's time, acknowledged with 👌 after it is durable", async () => {
    t = await twoWay();
    const key = await t.connect(IVAN.id, "ivanov");
    // While the event is not on disk, dispatch does not resolve and nothing is acknowledged.
    const release = t.inbox.hold();
    const received = t.clock.now();
    let dispatched = false;
    const dispatch = t.client.dispatch(text(7, "Где счёт 1042?")).then(() => (dispatched = true));
    await t.settle(2000);
    expect(dispatched).toBe(false);
    expect(t.calls).toEqual([]);
    release();
    await dispatch;
    expect(t.inbox.events).toHaveLength(1);
    expect(t.inbox.events[0]).toEqual({
      event: {
        id: "1",
        type: "message",
        at: new Date(received).toISOString(),
        bot: "main",
        user: "ivanov",
        key,
        chat_id: IVAN.id,
        message_id: 107,
        from: { id: IVAN.id, username: "ivan", name: "Ivan Petrov" },
        text: "Где счёт 1042?",
        command: null,
        args: null,
        reply_to: null,
        files: [],
      },
      fileIds: [],
    });
    await t.until(() => t.called("setMessageReaction").length === 1);
    expect(t.called("setMessageReaction")[0]!.params).toEqual({ chat_id: IVAN.id, message_id: 107, emoji: "👌" });
    expect(t.called("sendMessage")).toEqual([]);
    expect(t.inbox.events.map((stored) => stored.event.type)).toEqual(["message"]);
  });

  test("a /command other than the built-ins: command and args, the whole text; /cmd@ourbot too", async () => {
    t = await twoWay();
    await t.connect(IVAN.id, "ivanov");
    await t.client.dispatch(text(1, "/tasks 42"));
    await t.client.dispatch(text(2, "/Tasks@signal_bot  open  now"));
    await t.client.dispatch(text(3, "/report"));
    expect(events().map(({ text, command, args }) => ({ text, command, args }))).toEqual([
      { text: "/tasks 42", command: "tasks", args: "42" },
      { text: "/Tasks@signal_bot  open  now", command: "tasks", args: "open  now" },
      { text: "/report", command: "report", args: "" },
    ]);
  });

  test("a command for another bot, /start, /help, /key, /stop and key phrases are no events", async () => {
    t = await twoWay();
    await t.connect(IVAN.id, "ivanov");
    for (const [i, value] of ["/tasks@other_bot 42", "/start", "/help", "/key", "my key", "/start payload"].entries()) {
      await t.client.dispatch(text(i + 1, value));
    }
    expect(t.inbox.records).toBe(0);
    await t.until(() => t.called("sendMessage").length >= 3);
    await t.settle();
    expect(t.called("setMessageReaction")).toEqual([]);
    await t.client.dispatch(text(9, "/stop"));
    expect(t.registry.keyForChat("main", IVAN.id)).toBeUndefined();
    expect(t.inbox.records).toBe(0);
  });

  test("text that only starts with a key phrase is a message from a connected chat, a key request from anyone else", async () => {
    t = await twoWay();
    await t.connect(IVAN.id, "ivanov");
    await t.client.dispatch(text(1, "Key to room 305, who has it?"));
    expect(events().map((event) => event.text)).toEqual(["Key to room 305, who has it?"]);
    await t.client.dispatch(text(2, "key please", { from: ANNA }));
    expect(t.registry.keyForChat("main", ANNA.id)?.status).toBe("active");
    expect(t.inbox.records).toBe(1);
  });

  test("a reply to one of our notifications carries reply_to; a reply to another message of ours or of theirs does not", async () => {
    t = await twoWay();
    const key = await t.connect(IVAN.id, "ivanov");
    t.notifications.set("0mx2azu9ve358c7a2f7", {
      id: "0mx2azu9ve358c7a2f7",
      recipients: [{ user: "ivanov", key, bot: "main", chatId: IVAN.id, messageIds: [3, 4] }],
    });
    const ours = (messageId: number) => ({ message_id: messageId, date: 0, chat: { id: IVAN.id, type: "private" as const }, from: { id: BOT_ID, is_bot: true, first_name: "Signal" } });
    await t.client.dispatch(text(1, "which contract?", { reply_to_message: ours(4) }));
    await t.client.dispatch(text(2, "thanks", { reply_to_message: ours(9) }));
    await t.client.dispatch(text(3, "see above", { reply_to_message: { ...ours(4), from: IVAN } }));
    expect(events().map((event) => event.reply_to)).toEqual([{ notification: "0mx2azu9ve358c7a2f7", message_id: 4 }, null, null]);
  });

  test("a document: its caption is the text, its file listed with name, mime, size; the file id kept apart", async () => {
    t = await twoWay();
    await t.connect(IVAN.id, "ivanov");
    const document = { file_id: "BQACAgI", file_unique_id: "u1", file_name: "invoice.pdf", mime_type: "application/pdf", file_size: 52_113 };
    await t.client.dispatch(message(1, { document, caption: "Счёт за март" }));
    await t.client.dispatch(message(2, { document: { file_id: "BQ2", file_unique_id: "u2", mime_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" } }));
    await t.client.dispatch(message(3, { document: { file_id: "BQ3", file_unique_id: "u3" } }));
    expect(t.inbox.events.map(({ event, fileIds }) => ({ text: event.text, files: event.files, fileIds }))).toEqual([
      { text: "Счёт за март", files: [{ name: "invoice.pdf", mime: "application/pdf", size: 52_113, url: "/events/1/files/0" }], fileIds: ["BQACAgI"] },
      {
        text: null,
        files: [{ name: "document.xlsx", mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", size: null, url: "/events/2/files/0" }],
        fileIds: ["BQ2"],
      },
      { text: null, files: [{ name: "document.bin", mime: "application/octet-stream", size: null, url: "/events/3/files/0" }], fileIds: ["BQ3"] },
    ]);
  });

  test("a photo is listed once, at its largest size, as photo.jpg", async () => {
    t = await twoWay();
    await t.connect(IVAN.id, "ivanov");
    const photo = [
      { file_id: "small", file_unique_id: "a", width: 90, height: 60, file_size: 1200 },
      { file_id: "large", file_unique_id: "c", width: 1280, height: 853, file_size: 98_000 },
      { file_id: "medium", file_unique_id: "b", width: 320, height: 213, file_size: 9800 },
    ];
    await t.client.dispatch(message(1, { photo, caption: "склад, стеллаж 4" }));
    expect(t.inbox.events[0]!.event).toMatchObject({ text: "склад, стеллаж 4", files: [{ name: "photo.jpg", mime: "image/jpeg", size: 98_000 }] });
    expect(t.inbox.events[0]!.fileIds).toEqual(["large"]);
  });

  test("stickers, voice and service messages are not passed on, nor answered", async () => {
    t = await twoWay();
    await t.connect(IVAN.id, "ivanov");
    await t.client.dispatch(message(1, { sticker: { file_id: "s", file_unique_id: "s", type: "regular", width: 1, height: 1, is_animated: false, is_video: false } }));
    await t.client.dispatch(message(2, { voice: { file_id: "v", file_unique_id: "v", duration: 3 } }));
    await t.client.dispatch(message(3, { new_chat_title: "x" }));
    await t.settle();
    expect(t.inbox.records).toBe(0);
    expect(t.calls).toEqual([]);
  });

  test("a replayed update makes no second event; a failed record fails the dispatch (the update comes again) and acknowledges nothing", async () => {
    t = await twoWay();
    await t.connect(IVAN.id, "ivanov");
    t.inbox.failNext = new Error("ENOSPC: no space left on device");
    await expect(t.client.dispatch(text(1, "first"))).rejects.toThrow("ENOSPC");
    await t.settle();
    expect(t.calls).toEqual([]);
    await t.client.dispatch(text(1, "first"));
    await t.client.dispatch(text(1, "first"));
    expect(events().map((event) => event.text)).toEqual(["first"]);
    expect(t.inbox.events.map((stored) => stored.event.type)).toEqual(["message"]);
  });

  test("texts.received set: the acknowledgement is that text as a reply to the message, not a reaction", async () => {
    t = await twoWay({ bot: 'texts: { received: "Принято, {name}" }' });
    await t.connect(IVAN.id, "ivanov");
    await t.client.dispatch(text(1, "hello"));
    await t.until(() => t.called("sendMessage").length === 1);
    expect(t.called("sendMessage")[0]!.params).toEqual({
      chat_id: IVAN.id,
      text: "Принято, Ivan",
      reply_parameters: { message_id: 101, allow_sending_without_reply: true },
    });
    await t.settle();
    expect(t.called("setMessageReaction")).toEqual([]);
  });

  test("an acknowledgement Telegram refuses is logged and counted; the event stays", async () => {
    t = await twoWay({ refuse: { setMessageReaction: () => new TelegramApiError("setMessageReaction", 400, "Bad Request: REACTION_INVALID") } });
    await t.connect(IVAN.id, "ivanov");
    await t.client.dispatch(text(1, "hello"));
    await t.until(() => t.metrics.acksFailed.length === 1);
    expect(t.metrics.acksFailed).toEqual(["reaction"]);
    expect(t.log.lines.some((line) => line.includes("reaction not delivered") && line.includes("REACTION_INVALID"))).toBe(true);
    expect(t.inbox.events).toHaveLength(1);
  });

  test("a flood of 50 messages: 50 events, acknowledgements coalesced to a few (the chat's queue keeps the newest)", async () => {
    t = await twoWay();
    await t.connect(IVAN.id, "ivanov");
    for (let i = 1; i <= 50; i++) await t.client.dispatch(text(i, `message ${i}`));
    expect(t.inbox.events).toHaveLength(50);
    expect(t.replies.pendingCount).toBeLessThanOrEqual(5);
    await t.settle(20_000);
    const reacted = t.called("setMessageReaction").map((call) => call.params.message_id);
    // The first at once, one waiting for the chat's slot, and the newest five queued.
    expect(reacted.length).toBeLessThanOrEqual(7);
    expect(reacted.at(-1)).toBe(150);
  });
});

describe("not connected: told how to connect, no event", () => {
  test("no key: texts.not_connected in the person's language; a flood is answered once", async () => {
    t = await twoWay();
    for (let i = 1; i <= 20; i++) await t.client.dispatch(text(i, `hello ${i}`, { from: ANNA }));
    await t.client.dispatch(text(21, "/tasks 42", { from: ANNA }));
    await t.settle();
    expect(t.inbox.records).toBe(0);
    expect(t.called("sendMessage").map((call) => call.params.text)).toEqual([
      "Сообщение не передано: вы ещё не подключены к уведомлениям. Напишите «мой ключ» или /key и передайте ключ администратору.",
    ]);
  });

  test("a key that is not assigned: texts.not_connected_key names it; a revoked key counts as none", async () => {
    t = await twoWay();
    const { record } = await t.registry.issueKey({ bot: "main", chatId: IVAN.id, chatType: "private", username: "ivan", name: "Ivan" });
    await t.client.dispatch(message(1, { document: { file_id: "d", file_unique_id: "d", file_name: "a.txt" } }));
    await t.until(() => t.called("sendMessage").length === 1);
    expect(t.called("sendMessage")[0]!.params.text).toBe(`Your message was not passed on: your key ${record.key} is not connected yet. Give it to your administrator.`);
    await t.registry.revokeChat("main", IVAN.id);
    await t.clock.advance(31_000);
    await t.client.dispatch(text(2, "hello"));
    await t.until(() => t.called("sendMessage").length === 2);
    expect(t.called("sendMessage")[1]!.params.text).toStartWith("Your message was not passed on: you are not connected yet.");
    expect(t.inbox.records).toBe(0);
  });
});

describe("groups: only what is addressed to the bot", () => {
  const member = { id: 5010, is_bot: false, first_name: "Olga", last_name: "Sidorova", language_code: "en" };
  const inGroup = (updateId: number, fields: Parameters<typeof message>[1]) => message(updateId, { chat: GROUP, from: member, ...fields });
  const mention = (value: string) => ({ type: "mention" as const, offset: value.indexOf("@signal_bot"), length: "@signal_bot".length });

  test("chatter never becomes an event and is never answered, connected or not", async () => {
    t = await twoWay();
    await t.client.dispatch(inGroup(1, { text: "good morning" }));
    await t.client.dispatch(inGroup(2, { text: "@someone_else look", entities: [{ type: "mention", offset: 0, length: 13 }] }));
    await t.client.dispatch(inGroup(3, { text: "/tasks@other_bot" }));
    await t.connect(GROUP.id, "ops", "group");
    await t.client.dispatch(inGroup(4, { text: "good morning" }));
    await t.client.dispatch(inGroup(5, { text: "key to room 305 is with me" }));
    await t.client.dispatch(inGroup(6, { photo: [{ file_id: "p", file_unique_id: "p", width: 1, height: 1 }] }));
    await t.settle();
    expect(t.inbox.records).toBe(0);
    expect(t.calls).toEqual([]);
  });

  test("a mention (stripped from the text), a command and a reply to our message are events of the group's user, from the member", async () => {
    t = await twoWay();
    const key = await t.connect(GROUP.id, "ops", "group");
    const mentioned = "Where is 🧾 @signal_bot invoice 1042?";
    await t.client.dispatch(inGroup(1, { text: mentioned, entities: [mention(mentioned)] }));
    await t.client.dispatch(inGroup(2, { text: "/tasks@signal_bot 42" }));
    const ours = { message_id: 3, date: 0, chat: GROUP, from: { id: BOT_ID, is_bot: true, first_name: "Signal" } };
    await t.client.dispatch(inGroup(3, { text: "done", reply_to_message: ours }));
    const caption = "@SIGNAL_BOT scan";
    await t.client.dispatch(inGroup(4, { photo: [{ file_id: "p", file_unique_id: "p", width: 1, height: 1 }], caption, caption_entities: [{ type: "mention", offset: 0, length: 11 }] }));
    expect(events().map(({ user, key: k, chat_id, from, text, command }) => ({ user, k, chat_id, from: from.name, text, command }))).toEqual([
      { user: "ops", k: key, chat_id: GROUP.id, from: "Olga Sidorova", text: "Where is 🧾 invoice 1042?", command: null },
      { user: "ops", k: key, chat_id: GROUP.id, from: "Olga Sidorova", text: "/tasks@signal_bot 42", command: "tasks" },
      { user: "ops", k: key, chat_id: GROUP.id, from: "Olga Sidorova", text: "done", command: null },
      { user: "ops", k: key, chat_id: GROUP.id, from: "Olga Sidorova", text: "scan", command: null },
    ]);
    // A bare mention carries nothing: no event, no answer.
    await t.client.dispatch(inGroup(5, { text: "@signal_bot", entities: [{ type: "mention", offset: 0, length: 11 }] }));
    expect(t.inbox.events).toHaveLength(4);
  });

  test("a group that is not connected: an addressed message gets not_connected, chatter nothing", async () => {
    t = await twoWay();
    await t.client.dispatch(inGroup(1, { text: "/tasks" }));
    await t.client.dispatch(inGroup(2, { text: "hello all" }));
    await t.settle();
    expect(t.called("sendMessage").map((call) => [call.params.chat_id, (call.params.text as string).slice(0, 28)])).toEqual([
      [GROUP.id, "Your message was not passed "],
    ]);
    expect(t.inbox.records).toBe(0);
  });
});
