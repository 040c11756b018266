import { describe, expect, test } from "bun:test";
import type { TelegramUpdate } from "../../src/emulator/types.ts";
import { ALICE, call, GROUP, makeEmulator, ok, TOKEN } from "./emulator-helpers.ts";

const getUpdates = (emulator: ReturnType<typeof makeEmulator>, params: Record<string, unknown> = {}) =>
  ok<TelegramUpdate[]>(emulator, "getUpdates", params);

describe("getUpdates: queue and offset", () => {
  test("updates stay until confirmed by a later offset", async () => {
    const emulator = makeEmulator();
    const first = emulator.userWrites({ token: TOKEN, from: ALICE, text: "one" });
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "two" });

    const batch = await getUpdates(emulator);
    expect(batch.map((u) => u.message?.text)).toEqual(["one", "two"]);
    // Telegram confirms updates only on the next getUpdates: the same batch comes back.
    expect(await getUpdates(emulator)).toHaveLength(2);
    expect((await getUpdates(emulator, { offset: first.update_id + 1 })).map((u) => u.message?.text)).toEqual(["two"]);
    const last = batch.at(-1)?.update_id ?? 0;
    expect(await getUpdates(emulator, { offset: last + 1 })).toEqual([]);
  });

  test("limit caps the batch; a negative offset keeps only the last updates", async () => {
    const emulator = makeEmulator();
    for (const text of ["a", "b", "c"]) emulator.userWrites({ token: TOKEN, from: ALICE, text });
    expect((await getUpdates(emulator, { limit: 2 })).map((u) => u.message?.text)).toEqual(["a", "b"]);
    expect((await getUpdates(emulator, { offset: -1 })).map((u) => u.message?.text)).toEqual(["c"]);
  });

  test("userWrites builds a private message with bot_command entities", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: { ...ALICE, language_code: "ru" }, text: "/key@signal_bot please" });
    const [update] = await getUpdates(emulator);
    expect(update?.message).toMatchObject({
      message_id: 1,
      from: { id: ALICE.id, is_bot: false, first_name: "Alice", username: "alice", language_code: "ru" },
      chat: { id: ALICE.id, type: "private", first_name: "Alice", username: "alice" },
      text: "/key@signal_bot please",
      entities: [{ type: "bot_command", offset: 0, length: 15 }],
    });
    emulator.userWrites({ token: TOKEN, chat: GROUP, from: ALICE, text: "мой ключ" });
    const group = (await getUpdates(emulator)).at(-1)?.message;
    expect(group?.chat).toEqual({ id: GROUP.id, type: "group", title: "Ops" });
    expect(group?.entities).toBeUndefined();
  });

  test("allowed_updates filters later updates by kind", async () => {
    const emulator = makeEmulator();
    await getUpdates(emulator, { allowed_updates: ["my_chat_member"] });
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "ignored" });
    emulator.userBlocksBot(TOKEN, ALICE.id);
    const updates = await getUpdates(emulator, { allowed_updates: [] });
    expect(updates.map((u) => Object.keys(u).filter((k) => k !== "update_id"))).toEqual([["my_chat_member"]]);
  });
});

describe("getUpdates: long polling", () => {
  test("a long poll returns as soon as an update arrives", async () => {
    const emulator = makeEmulator();
    const polling = getUpdates(emulator, { timeout: 30 });
    await Bun.sleep(5);
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "wake up" });
    expect((await polling).map((u) => u.message?.text)).toEqual(["wake up"]);
  });

  test("a long poll with nothing to deliver returns [] after the timeout (capped by longPollMaxMs)", async () => {
    // Uncapped, this 50 s long poll would run into the test timeout.
    const emulator = makeEmulator({ longPollMaxMs: 30 });
    expect(await getUpdates(emulator, { timeout: 50 })).toEqual([]);
  });

  test("a second getUpdates terminates the older pending one with 409", async () => {
    const emulator = makeEmulator();
    const older = call(emulator, "getUpdates", { timeout: 30 });
    await Bun.sleep(5);
    const newer = call(emulator, "getUpdates", { timeout: 30 });
    expect(await older).toEqual({
      status: 409,
      body: {
        ok: false,
        error_code: 409,
        description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
      },
    });
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "for the newer" });
    expect((await newer).body.ok).toBe(true);
  });

  test("getUpdates while a webhook is set is 409; setting one ends a pending poll", async () => {
    const emulator = makeEmulator();
    const pending = call(emulator, "getUpdates", { timeout: 30 });
    await Bun.sleep(5);
    await ok(emulator, "setWebhook", { url: "https://example.org/hook" });
    const expected = {
      status: 409,
      body: {
        ok: false,
        error_code: 409,
        description:
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      },
    };
    expect(await pending).toEqual(expected);
    expect(await call(emulator, "getUpdates")).toEqual(expected);
  });

  test("aborting the request releases the long poll without losing updates", async () => {
    const emulator = makeEmulator();
    const controller = new AbortController();
    const polling = emulator.fetch(
      new Request(`http://api.test/bot${TOKEN}/getUpdates?timeout=30`, { signal: controller.signal }),
    );
    await Bun.sleep(5);
    expect(emulator.isPolling(TOKEN)).toBe(true);
    controller.abort();
    await polling; // settles promptly instead of hanging for 30 s
    expect(emulator.isPolling(TOKEN)).toBe(false);
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "kept" });
    expect((await getUpdates(emulator)).map((u) => u.message?.text)).toEqual(["kept"]);
  });
});

describe("people's actions", () => {
  test("userBlocksBot queues my_chat_member (member → kicked)", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    const update = emulator.userBlocksBot(TOKEN, ALICE.id);
    expect(update.my_chat_member).toMatchObject({
      chat: { id: ALICE.id, type: "private" },
      from: { id: ALICE.id },
      old_chat_member: { status: "member", user: { id: 123456, is_bot: true } },
      new_chat_member: { status: "kicked", until_date: 0 },
    });
  });

  test("writing again after blocking unblocks the bot", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    emulator.userBlocksBot(TOKEN, ALICE.id);
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "/start" });
    const updates = await getUpdates(emulator);
    expect(updates.at(-2)?.my_chat_member?.new_chat_member.status).toBe("member");
    expect((await call(emulator, "sendMessage", { chat_id: ALICE.id, text: "welcome back" })).status).toBe(200);
  });

  test("migrateChat posts migrate_to/migrate_from service messages", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, chat: GROUP, from: ALICE, text: "/key" });
    const [inOld, inNew] = emulator.migrateChat(TOKEN, GROUP.id, -1001234567890);
    expect(inOld?.message).toMatchObject({ chat: { id: GROUP.id }, migrate_to_chat_id: -1001234567890 });
    expect(inNew?.message).toMatchObject({
      chat: { id: -1001234567890, type: "supergroup", title: "Ops" },
      migrate_from_chat_id: GROUP.id,
    });
  });

  test("helpers reject unknown bots and chats without echoing the token", () => {
    const emulator = makeEmulator();
    expect(() => emulator.userBlocksBot("999:SECRET", 1)).toThrow(/no bot has this token/);
    expect(() => emulator.userBlocksBot("999:SECRET", 1)).not.toThrow(/SECRET/);
    expect(() => emulator.migrateChat(TOKEN, -5, -1005)).toThrow(/chat -5 is unknown/);
  });
});
