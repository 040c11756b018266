import { describe, expect, test } from "bun:test";
import { ALICE, call, fakeClock, GROUP, makeEmulator, ok, TOKEN } from "./emulator-helpers.ts";

const BOB = { id: 1002, first_name: "Bob" };

describe("sendMessage: Telegram's checks", () => {
  test("a successful send returns a Message and records every parameter", async () => {
    const clock = fakeClock();
    const emulator = makeEmulator({ now: clock.now });
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" }); // message_id 1
    const message = await ok(emulator, "sendMessage", {
      chat_id: ALICE.id,
      text: "<b>Disk</b> full",
      parse_mode: "HTML",
      disable_notification: true,
      message_thread_id: 7,
      reply_parameters: { message_id: 1 },
    });
    expect(message).toEqual({
      message_id: 2,
      message_thread_id: 7,
      from: { id: 123456, is_bot: true, first_name: "Signal", username: "signal_bot" },
      chat: { id: ALICE.id, type: "private", first_name: "Alice", username: "alice" },
      date: Math.floor(clock.now() / 1000),
      // Telegram nests the replied message (one level), as the chat shows it.
      reply_to_message: {
        message_id: 1,
        from: { id: ALICE.id, is_bot: false, first_name: "Alice", username: "alice" },
        chat: { id: ALICE.id, type: "private", first_name: "Alice", username: "alice" },
        date: Math.floor(clock.now() / 1000),
        text: "hi",
      },
      text: "Disk full",
      entities: [{ type: "bold", offset: 0, length: 4 }],
    });
    expect(emulator.sent(TOKEN)[0]).toMatchObject({
      chat_id: ALICE.id,
      message_id: 2,
      text: "<b>Disk</b> full",
      plain_text: "Disk full",
      parse_mode: "HTML",
      disable_notification: true,
      message_thread_id: 7,
      reply_parameters: { message_id: 1 },
      at: clock.now(),
    });
    const second = await ok(emulator, "sendMessage", { chat_id: ALICE.id, text: "again" });
    expect(second.message_id).toBe(3);
  });

  test("unknown chat → 400 chat not found (a bot cannot write first)", async () => {
    const emulator = makeEmulator();
    expect(await call(emulator, "sendMessage", { chat_id: 42, text: "hi" })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: "Bad Request: chat not found" },
    });
    emulator.addChat(TOKEN, GROUP);
    expect((await call(emulator, "sendMessage", { chat_id: GROUP.id, text: "hi" })).status).toBe(200);
  });

  test("blocked chat → 403 Forbidden, checked before the text", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    emulator.userBlocksBot(TOKEN, ALICE.id);
    expect(await call(emulator, "sendMessage", { chat_id: ALICE.id, text: "" })).toEqual({
      status: 403,
      body: { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" },
    });
  });

  test("migrated group → 400 with parameters.migrate_to_chat_id", async () => {
    const emulator = makeEmulator();
    emulator.addChat(TOKEN, GROUP);
    emulator.migrateChat(TOKEN, GROUP.id, -1009876543210);
    expect(await call(emulator, "sendMessage", { chat_id: GROUP.id, text: "hi" })).toEqual({
      status: 400,
      body: {
        ok: false,
        error_code: 400,
        description: "Bad Request: group chat was upgraded to a supergroup chat",
        parameters: { migrate_to_chat_id: -1009876543210 },
      },
    });
    expect((await call(emulator, "sendMessage", { chat_id: -1009876543210, text: "hi" })).status).toBe(200);
  });

  test("empty text, also after parsing, → 400 message text is empty", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    for (const params of [{}, { text: "" }, { text: "  \n" }, { text: "<b></b>", parse_mode: "HTML" }]) {
      const { status, body } = await call(emulator, "sendMessage", { chat_id: ALICE.id, ...params });
      expect([status, body.description]).toEqual([400, "Bad Request: message text is empty"]);
    }
  });

  test("length counts UTF-16 code units after HTML parsing", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    const send = (text: string, parse_mode?: string) =>
      call(emulator, "sendMessage", { chat_id: ALICE.id, text, ...(parse_mode ? { parse_mode } : {}) });
    expect((await send("x".repeat(4096))).status).toBe(200);
    expect((await send(`<b>${"x".repeat(4096)}</b>`, "HTML")).status).toBe(200);
    expect((await send(`${"😀".repeat(2048)}`)).status).toBe(200); // 2 UTF-16 units each
    const tooLong = await send(`${"😀".repeat(2048)}!`);
    expect([tooLong.status, tooLong.body.description]).toEqual([400, "Bad Request: message is too long"]);
  });

  test("invalid HTML → 400 can't parse entities with Telegram's detail", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    const send = (text: string) => call(emulator, "sendMessage", { chat_id: ALICE.id, text, parse_mode: "HTML" });
    expect((await send("<b>bold")).body.description).toBe(
      `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`,
    );
    expect((await send("<script>x</script>")).body.description).toBe(
      `Bad Request: can't parse entities: Unsupported start tag "script" at byte offset 0`,
    );
    expect((await send("&foo; stays literal")).body.result).toMatchObject({ text: "&foo; stays literal" });
    expect((await send("a &lt; b &#x1F600;")).body.result).toMatchObject({ text: "a < b 😀" });
    const unsupported = await call(emulator, "sendMessage", { chat_id: ALICE.id, text: "x", parse_mode: "BBCode" });
    expect(unsupported.body.description).toBe("Bad Request: unsupported parse_mode");
  });
});

describe("sendMessage: flood limits (fake clock)", () => {
  const writeAll = (emulator: ReturnType<typeof makeEmulator>, count: number) => {
    for (let i = 0; i < count; i++) emulator.userWrites({ token: TOKEN, from: { id: 5000 + i, first_name: `U${i}` }, text: "hi" });
  };

  test("per chat: a burst of 3 is tolerated, then 429 retry_after until the bucket refills", async () => {
    const clock = fakeClock();
    const emulator = makeEmulator({ now: clock.now });
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    const send = () => call(emulator, "sendMessage", { chat_id: ALICE.id, text: "ping" });
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(200);
    expect(await send()).toEqual({
      status: 429,
      body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } },
    });
    // Another chat is unaffected.
    emulator.userWrites({ token: TOKEN, from: BOB, text: "hi" });
    expect((await call(emulator, "sendMessage", { chat_id: BOB.id, text: "ping" })).status).toBe(200);
    clock.advance(1000);
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(429);
    expect(emulator.stats().tooManyRequests).toBe(2);
  });

  test("per bot: the 31st message within one second → 429", async () => {
    const clock = fakeClock();
    const emulator = makeEmulator({ now: clock.now });
    writeAll(emulator, 31);
    for (let i = 0; i < 30; i++) {
      expect((await call(emulator, "sendMessage", { chat_id: 5000 + i, text: "x" })).status).toBe(200);
    }
    const refused = await call(emulator, "sendMessage", { chat_id: 5030, text: "x" });
    expect([refused.status, refused.body.parameters?.retry_after]).toEqual([429, 1]);
    clock.advance(1000);
    expect((await call(emulator, "sendMessage", { chat_id: 5030, text: "x" })).status).toBe(200);
  });

  test("per group: 20 per minute, retry_after counts down to the window's end", async () => {
    const clock = fakeClock();
    const emulator = makeEmulator({ now: clock.now });
    emulator.addChat(TOKEN, GROUP);
    for (let i = 0; i < 20; i++) {
      expect((await call(emulator, "sendMessage", { chat_id: GROUP.id, text: `${i}` })).status).toBe(200);
      clock.advance(1500); // slow enough for the per-chat bucket
    }
    const refused = await call(emulator, "sendMessage", { chat_id: GROUP.id, text: "21st" });
    expect(refused.status).toBe(429);
    expect(refused.body.parameters?.retry_after).toBe(30); // first send was 30 s ago
    clock.advance(30_000);
    expect((await call(emulator, "sendMessage", { chat_id: GROUP.id, text: "21st" })).status).toBe(200);
  });

  test("custom limits apply, and limits: false disables enforcement", async () => {
    const custom = makeEmulator({ now: fakeClock().now, limits: { perChatBurst: 1 } });
    custom.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    expect((await call(custom, "sendMessage", { chat_id: ALICE.id, text: "1" })).status).toBe(200);
    expect((await call(custom, "sendMessage", { chat_id: ALICE.id, text: "2" })).status).toBe(429);

    const unlimited = makeEmulator({ now: fakeClock().now, limits: false });
    unlimited.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    for (let i = 0; i < 100; i++) {
      expect((await call(unlimited, "sendMessage", { chat_id: ALICE.id, text: `${i}` })).status).toBe(200);
    }
  });
});
