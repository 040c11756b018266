// End to end through the gateway against the fake Bot API: the conversation, groups,
// access modes, live config, and rate limits on replies.
import { afterEach, describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ask, configYaml, createHarness, keyIn, TOKEN, TOKEN_B, waitFor, type Harness } from "./inbound-harness.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("key conversation", () => {
  test("a key request is answered by the long poll already open, not at a later tick, and the key is on disk first", async () => {
    harness = await createHarness();
    await harness.start();
    // Write while a window has time left: ticks fall on whole seconds, and each window
    // closes 150 ms before the next one.
    const polls = () => harness!.api.requests("getUpdates", TOKEN).length;
    await waitFor(() => harness!.api.emulator.isPolling(TOKEN) && Date.now() % 1000 < 500, 3000, "a poll window with time left");
    const before = polls();
    const reply = await ask(harness.api, "/key");
    // The open poll returned the update; the only poll since is the one after the batch.
    await waitFor(() => harness!.api.emulator.isPolling(TOKEN), 3000, "polling again");
    expect(polls()).toBe(before + 1);
    const key = keyIn(reply);
    expect(reply).toContain("Your key");
    const log = await readFile(join(harness.dir, "data", "keys.log"), "utf8");
    const record = JSON.parse(log.trim());
    expect(record).toMatchObject({ type: "issued", key, bot: "main", chat_id: 5001, chat_type: "private", username: "ivan" });
  }, 15_000);

  test("the same key on repeat, by command or phrase; /stop revokes; a new /key gives a new key", async () => {
    harness = await createHarness();
    await harness.start();
    const first = keyIn(await ask(harness.api, "/key"));
    expect(keyIn(await ask(harness.api, "  My KEY!! "))).toBe(first);
    expect(keyIn(await ask(harness.api, "Мой ключ."))).toBe(first);
    const stopped = await ask(harness.api, "/stop");
    expect(stopped).toContain(first);
    expect(stopped).toContain("revoked");
    expect(await ask(harness.api, "/stop")).toContain("no active key");
    const second = keyIn(await ask(harness.api, "/key"));
    expect(second).not.toBe(first);
    const lines = (await readFile(join(harness.dir, "data", "keys.log"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(["issued", "revoked", "issued"]);
    expect(harness.gateway!.health.report({}).bots).toMatchObject({ main: { state: expect.any(String), username: "signal_bot" } });
    expect(harness.gateway!.metrics.render()).toContain('tgsignal_keys_issued_total{bot="main"} 2');
  }, 15_000);

  test("/start greets, anything else gets help, replies follow the person's language", async () => {
    harness = await createHarness();
    await harness.start();
    expect(await ask(harness.api, "/start")).toContain("Hello, Ivan");
    expect(await ask(harness.api, "what is this?")).toContain("/key");
    const ru = { id: 5002, first_name: "Пётр", language_code: "ru" };
    expect(await ask(harness.api, "/start", { from: ru })).toContain("Здравствуйте, Пётр");
    expect(await ask(harness.api, "ключ", { from: ru })).toContain("Ваш ключ");
  }, 15_000);

  test("a group key belongs to the group; /key@otherbot is not ours; chatter is ignored", async () => {
    harness = await createHarness();
    await harness.start();
    const chat = { id: -7001, type: "group" as const, title: "Ops team" };
    const key = keyIn(await ask(harness.api, "/key@signal_bot", { chat }));
    expect(harness.gateway!.store && harness.api.emulator.sent(TOKEN).at(-1)!.chat_id).toBe(-7001);
    harness.api.emulator.userWrites({ token: TOKEN, chat, from: { id: 5003, first_name: "Anna" }, text: "/key@other_bot" });
    harness.api.emulator.userWrites({ token: TOKEN, chat, from: { id: 5003, first_name: "Anna" }, text: "good morning" });
    expect(keyIn(await ask(harness.api, "/key", { chat, from: { id: 5003, first_name: "Anna" } }))).toBe(key);
    expect(harness.api.emulator.sent(TOKEN).filter((m) => m.chat_id === -7001)).toHaveLength(2);
    const record = JSON.parse((await readFile(join(harness.dir, "data", "keys.log"), "utf8")).trim().split("\n")[0]!);
    expect(record).toMatchObject({ key, chat_id: -7001, chat_type: "group", name: "Ops team" });
  }, 15_000);

  test("a group's key: a member's /stop is refused politely; the requester or an admin (getChatMember) may stop it", async () => {
    harness = await createHarness();
    await harness.start();
    const chat = { id: -7003, type: "group" as const, title: "Ops" };
    const anna = { id: 5003, first_name: "Anna", language_code: "en" };
    const boris = { id: 5004, first_name: "Boris", language_code: "ru" };
    const key = keyIn(await ask(harness.api, "/key", { chat, from: anna }));
    expect(await ask(harness.api, "/stop", { chat, from: boris })).toContain("администратор");
    expect(harness.api.requests("getChatMember", TOKEN)).toHaveLength(1);
    harness.api.emulator.setChatMember(TOKEN, chat.id, { ...boris, is_bot: false }, "administrator");
    expect(await ask(harness.api, "/stop", { chat, from: boris })).toContain(key);
    const again = keyIn(await ask(harness.api, "/key", { chat, from: boris }));
    expect(await ask(harness.api, "/stop", { chat, from: anna })).toContain("only a group administrator");
    expect(await ask(harness.api, "/stop", { chat, from: boris })).toContain(again);
    const types = (await readFile(join(harness.dir, "data", "keys.log"), "utf8")).trim().split("\n").map((l) => JSON.parse(l).type);
    expect(types).toEqual(["issued", "revoked", "issued", "revoked"]);
  }, 15_000);

  test("blocking the bot and a supergroup migration are recorded in the key log", async () => {
    harness = await createHarness();
    const gateway = await harness.start();
    const chat = { id: -7002, type: "group" as const, title: "Ops" };
    const groupKey = keyIn(await ask(harness.api, "/key", { chat }));
    const personKey = keyIn(await ask(harness.api, "/key"));
    harness.api.emulator.migrateChat(TOKEN, -7002, -1007002);
    harness.api.emulator.userBlocksBot(TOKEN, 5001);
    const path = join(harness.dir, "data", "keys.log");
    const deadline = Date.now() + 3000;
    while (!(await readFile(path, "utf8")).includes('"blocked"') || !(await readFile(path, "utf8")).includes('"migrated"')) {
      if (Date.now() > deadline) throw new Error("blocked/migrated not recorded");
      await Bun.sleep(20);
    }
    void gateway;
    expect(await readFile(path, "utf8")).toContain(`"type":"migrated","key":"${groupKey}","chat_id":-1007002`);
    expect(await readFile(path, "utf8")).toContain(`"type":"blocked","key":"${personKey}"`);
    // Writing again unblocks the bot (Telegram: my_chat_member → member): the same key is
    // active again, so the (unassigned) person is told it is not connected yet; no key is issued.
    expect(await ask(harness.api, "hello")).toContain(`your key ${personKey} is not connected yet`);
    const lines = (await readFile(path, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as { type: string; key: string });
    const mine = lines.filter((record) => record.key === personKey).map((record) => record.type);
    expect(mine).toEqual(["issued", "blocked", "issued"]);
    expect(harness.log.lines.some((line) => line.includes("key reactivated"))).toBe(true);
    expect(keyIn(await ask(harness.api, "/key"))).toBe(personKey);
  }, 15_000);
});

describe("access modes", () => {
  test("allow-list: listed ids and usernames get keys, others a polite refusal that is logged", async () => {
    harness = await createHarness([{ id: "main", token: TOKEN, extra: "access:\n  allow: [5001, \"@Petr\"]" }]);
    await harness.start();
    keyIn(await ask(harness.api, "/key"));
    keyIn(await ask(harness.api, "/key", { from: { id: 5010, first_name: "Petr", username: "petr" } }));
    const refused = await ask(harness.api, "/key", { from: { id: 5011, first_name: "Eve", username: "eve" } });
    expect(refused).toContain("staff only");
    expect(refused).not.toMatch(/\d{8}/);
    expect(harness.log.lines.some((line) => line.includes("key refused") && line.includes("user_id=5011"))).toBe(true);
  }, 15_000);

  test("passphrase: /key <passphrase>, the phrase with it, or a /start payload", async () => {
    harness = await createHarness([{ id: "main", token: TOKEN, extra: "access:\n  passphrase: Tulip-42" }]);
    await harness.start();
    expect(await ask(harness.api, "/key")).toContain("passphrase");
    expect(await ask(harness.api, "/key wrong")).toContain("passphrase");
    const key = keyIn(await ask(harness.api, "/key tulip 42"));
    expect(keyIn(await ask(harness.api, "my key Tulip-42"))).toBe(key);
    keyIn(await ask(harness.api, "/start Tulip-42", { from: { id: 5020, first_name: "Olga" } }));
  }, 15_000);
});

describe("live config", () => {
  test("texts and access change live; a bot added later polls; a disabled bot stops", async () => {
    harness = await createHarness();
    await harness.start();
    keyIn(await ask(harness.api, "/key"));
    const url = harness.api.url;
    await harness.writeConfig(
      configYaml(url, [
        { id: "main", token: TOKEN, extra: 'texts:\n  key_issued: "Code {key} for {name}"\naccess:\n  allow: [5001]' },
        { id: "second", token: TOKEN_B },
      ]),
    );
    expect(await ask(harness.api, "/key")).toMatch(/^Code \d{8} for Ivan$/);
    expect(await ask(harness.api, "/key", { from: { id: 5030, first_name: "Max" } })).toContain("staff only");
    keyIn(await ask(harness.api, "/key", { token: TOKEN_B }));
    await harness.writeConfig(configYaml(url, [{ id: "main", token: TOKEN }, { id: "second", token: TOKEN_B, extra: "enabled: false" }]));
    const polledB = harness.api.requests("getUpdates", TOKEN_B).length;
    harness.api.emulator.userWrites({ token: TOKEN_B, from: { id: 5001, first_name: "Ivan" }, text: "/key" });
    // The main bot polls anew at each tick: two ticks pass without a poll of the disabled one.
    const main = harness.api.requests("getUpdates", TOKEN).length;
    await waitFor(() => harness!.api.requests("getUpdates", TOKEN).length >= main + 2, 5000, "two ticks");
    expect(harness.api.requests("getUpdates", TOKEN_B)).toHaveLength(polledB);
    expect(harness.api.emulator.sent(TOKEN_B)).toHaveLength(1);
    expect((harness.gateway!.health.report({}).bots as Record<string, { state: string }>).second!.state).toBe("disabled");
  }, 15_000);
});

describe("rate limits", () => {
  test("300 people asking at once all get their keys, with zero 429s", async () => {
    harness = await createHarness();
    await harness.start();
    for (let i = 0; i < 300; i++) {
      harness.api.emulator.userWrites({ token: TOKEN, from: { id: 10_000 + i, first_name: `P${i}` }, text: "/key" });
    }
    const deadline = Date.now() + 20_000;
    while (harness.api.emulator.sent(TOKEN).length < 300) {
      if (Date.now() > deadline) throw new Error(`only ${harness.api.emulator.sent(TOKEN).length} of 300 answered`);
      await Bun.sleep(50);
    }
    expect(harness.api.emulator.stats().tooManyRequests).toBe(0);
    const keys = new Set(harness.api.emulator.sent(TOKEN).map((m) => keyIn(m.text)));
    expect(keys.size).toBe(300);
  }, 30_000);
});
