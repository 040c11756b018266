import { afterEach, beforeEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyRegistry } from "../../src/keys/registry.ts";
import { StorageFullError } from "../../src/lib/errors.ts";
import { bunPlatform } from "../../src/platform/bun.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tgsignal-registry-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const open = (random?: () => number) => KeyRegistry.open({ platform: bunPlatform, dataDir: dir, now: () => Date.UTC(2026, 10, 25), random });
const ivan = { bot: "main", chatId: 5001, chatType: "private" as const, username: "ivan", name: "Ivan" };

test("stable per (bot, chat); different per bot; written before it is returned; replayed on reopen", async () => {
  const registry = await open();
  const first = await registry.issueKey(ivan);
  expect(first.isNew).toBe(true);
  expect((await registry.issueKey(ivan)).record.key).toBe(first.record.key);
  const other = await registry.issueKey({ ...ivan, bot: "second" });
  expect(other.record.key).not.toBe(first.record.key);
  expect(await readFile(join(dir, "keys.log"), "utf8")).toContain(first.record.key);
  await registry.close();
  const reopened = await open();
  expect(reopened.lookup(first.record.key)).toMatchObject({ bot: "main", chatId: 5001, status: "active", username: "ivan" });
  expect(reopened.keyForChat("second", 5001)?.key).toBe(other.record.key);
  await reopened.close();
});

test("simultaneous requests from one chat mint one key", async () => {
  const registry = await open();
  const results = await Promise.all(Array.from({ length: 10 }, () => registry.issueKey(ivan)));
  expect(new Set(results.map((r) => r.record.key)).size).toBe(1);
  expect(results.filter((r) => r.isNew)).toHaveLength(1);
  await registry.close();
});

test("unique across the log even when the RNG repeats itself", async () => {
  const values = [5, 5, 5, 6];
  const registry = await open(() => values.shift() ?? 7);
  const a = await registry.issueKey(ivan);
  const b = await registry.issueKey({ ...ivan, chatId: 5002 });
  expect(a.record.key).toBe("10000005");
  expect(b.record.key).toBe("10000006");
  await registry.close();
});

test("revoke, then a new key; revoked keys are never reused; blocked keys come back on /key", async () => {
  const registry = await open();
  const { record } = await registry.issueKey(ivan);
  expect((await registry.revokeChat("main", 5001))?.key).toBe(record.key);
  expect(registry.lookup(record.key)?.status).toBe("revoked");
  expect(await registry.revokeChat("main", 5001)).toBeUndefined();
  const fresh = await registry.issueKey(ivan);
  expect(fresh.record.key).not.toBe(record.key);
  await registry.recordBlocked(fresh.record.key, "blocked");
  expect(registry.lookup(fresh.record.key)?.status).toBe("blocked");
  expect((await registry.issueKey(ivan)).record.key).toBe(fresh.record.key);
  expect(registry.lookup(fresh.record.key)?.status).toBe("active");
  expect(await registry.revokeKey(fresh.record.key)).toBe(true);
  expect(await registry.revokeKey(fresh.record.key)).toBe(false);
  await registry.close();
});

test("a migrated group key follows the new chat id, after a restart too", async () => {
  const registry = await open();
  const { record } = await registry.issueKey({ ...ivan, chatId: -100, chatType: "group", username: null, name: "Ops" });
  await registry.recordMigrated(record.key, -1000100);
  expect(registry.lookup(record.key)).toMatchObject({ chatId: -1000100, chatType: "supergroup" });
  await registry.close();
  const reopened = await open();
  expect(reopened.keyForChat("main", -1000100)?.key).toBe(record.key);
  expect(reopened.keyForChat("main", -100)).toBeUndefined();
  await reopened.close();
});

test("replay: the last record of each key wins; re-issue keeps the first issue time; lookups are exact", async () => {
  const at = "2026-11-25T10:00:00.000Z";
  const lines = [
    { type: "issued", key: "48213977", bot: "main", chat_id: 123456789, chat_type: "private", username: "ivan", name: "Ivan Petrov", at },
    { type: "issued", key: "10000000", bot: "бот", chat_id: -1001234567890, chat_type: "supergroup", username: null, name: "Отдел «ИТ» 😀", at },
    { type: "issued", key: "99999999", bot: "b", chat_id: 0, chat_type: "private", username: "", name: null, at: "x" },
    // a hand edit: an escape, an extra field, other key order
    { key: "22222222", type: "issued", bot: "main", chat_id: 7, chat_type: "group", username: 'a"b', name: "N", at: "t2", extra: true },
    // without chat_type and username (older or hand-written lines)
    { type: "issued", key: "33333333", bot: "main", chat_id: 8, name: "M", at: "t3" },
    { type: "blocked", key: "22222222", reason: "gone", at: "t4" },
    { type: "migrated", key: "22222222", chat_id: -1007, from_chat_id: 7, at: "t5" },
    { type: "revoked", key: "99999999", by: "user", at: "t6" },
    // issued again after a revoke (hand edit): keeps the first issue time, moves to the new chat
    { type: "issued", key: "99999999", bot: "b", chat_id: 9, chat_type: "private", username: "z", name: "Z", at: "t7" },
    // a change for a key this log never issued changes nothing
    { type: "revoked", key: "55555555", by: "admin", at: "t8" },
  ];
  await writeFile(join(dir, "keys.log"), lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
  const registry = await KeyRegistry.open({ platform: bunPlatform, dataDir: dir, repairTail: false });
  expect(registry.list()).toEqual([
    { key: "48213977", bot: "main", chatId: 123456789, chatType: "private", username: "ivan", name: "Ivan Petrov", issuedAt: at, status: "active" },
    { key: "10000000", bot: "бот", chatId: -1001234567890, chatType: "supergroup", username: null, name: "Отдел «ИТ» 😀", issuedAt: at, status: "active" },
    { key: "99999999", bot: "b", chatId: 9, chatType: "private", username: "z", name: "Z", issuedAt: "x", status: "active" },
    { key: "22222222", bot: "main", chatId: -1007, chatType: "supergroup", username: 'a"b', name: "N", issuedAt: "t2", status: "blocked" },
    { key: "33333333", bot: "main", chatId: 8, chatType: "private", username: null, name: "M", issuedAt: "t3", status: "active" },
  ]);
  expect(registry.lookup("48213977")).toEqual(registry.list()[0]!);
  expect(registry.keyForChat("бот", -1001234567890)?.key).toBe("10000000");
  expect(registry.keyForChat("main", -1007)?.key).toBe("22222222");
  expect(registry.keyForChat("main", 7)).toBeUndefined();
  expect(registry.keyForChat("b", 0)).toBeUndefined();
  expect(registry.keyForChat("nope", 1)).toBeUndefined();
  expect(registry.lookup("55555555")).toBeUndefined();
  for (const other of ["1e7", "10000000.0", " 10000000", "010000000", "1000000"]) expect(registry.lookup(other)).toBeUndefined();
  await registry.close();
});

test("a record handed out is a snapshot: later changes do not alter it", async () => {
  const registry = await open();
  const { record } = await registry.issueKey(ivan);
  const revoked = await registry.revokeChat("main", 5001);
  expect(record.status).toBe("active");
  expect(revoked?.status).toBe("revoked");
  expect(registry.lookup(record.key)?.status).toBe("revoked");
  await registry.close();
});

test("a key whose append fails is not issued: the person is told nothing, and the next /key tries again", async () => {
  let fail = true;
  const platform = {
    ...bunPlatform,
    async openAppend(path: string) {
      const file = await bunPlatform.openAppend(path);
      return {
        ...file,
        write: async (data: string | Uint8Array) => {
          if (fail) throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
          await file.write(data);
        },
        sync: () => file.sync(),
        close: () => file.close(),
      };
    },
  };
  const registry = await KeyRegistry.open({ platform, dataDir: dir });
  const error = await registry.issueKey(ivan).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StorageFullError);
  expect(String(error)).toContain("ENOSPC");
  expect(registry.keyForChat("main", 5001)).toBeUndefined();
  expect(registry.size).toBe(0);
  fail = false;
  const { record, isNew } = await registry.issueKey(ivan);
  expect(isNew).toBe(true);
  await registry.close();
  expect((await readFile(join(dir, "keys.log"), "utf8")).trim().split("\n")).toHaveLength(1);
  expect(record.status).toBe("active");
});

test("an admin revocation: who revoked is kept (after a restart too), a blocked key can be revoked, concurrent revokes write once", async () => {
  const registry = await open();
  const { record } = await registry.issueKey({ ...ivan, language: "ru" });
  const blocked = (await registry.issueKey({ ...ivan, chatId: 5002 })).record;
  await registry.recordBlocked(blocked.key, "the person blocked the bot");
  expect(await Promise.all([registry.revokeKey(record.key, "admin"), registry.revokeKey(record.key, "admin")])).toEqual([true, false]);
  expect(await registry.revokeKey(blocked.key, "admin")).toBe(true);
  expect(await registry.revokeKey("99999999", "admin")).toBe(false);
  await registry.revokeChat("main", 5003);
  await registry.close();
  const lines = (await readFile(join(dir, "keys.log"), "utf8")).trim().split("\n").map((line) => JSON.parse(line));
  expect(lines.filter((line) => line.type === "revoked")).toEqual([
    { type: "revoked", key: record.key, by: "admin", at: "2026-11-25T00:00:00.000Z" },
    { type: "revoked", key: blocked.key, by: "admin", at: "2026-11-25T00:00:00.000Z" },
  ]);
  expect(lines[0]).toMatchObject({ type: "issued", language: "ru" });
  const reopened = await open();
  expect(reopened.lookup(record.key)).toMatchObject({ status: "revoked", revokedBy: "admin", language: "ru" });
  expect(reopened.lookup(blocked.key)).toMatchObject({ status: "revoked", revokedBy: "admin" });
  expect(reopened.keyForChat("main", 5001)).toBeUndefined();
  await reopened.close();
});

test("a person's /stop is recorded as theirs", async () => {
  const registry = await open();
  const { record } = await registry.issueKey(ivan);
  await registry.revokeChat("main", 5001);
  expect(registry.lookup(record.key)).toMatchObject({ status: "revoked", revokedBy: "user" });
  await registry.close();
});

test("onRevoked hears every revocation once it is in keys.log (the person's, the admin's), not a second revoke, and not after unsubscribing", async () => {
  const registry = await open();
  const heard: Array<{ key: string; logged: boolean }> = [];
  const unsubscribe = registry.onRevoked((key) => heard.push({ key, logged: readFileSync(join(dir, "keys.log"), "utf8").includes(`"type":"revoked","key":"${key}"`) }));
  const mine = (await registry.issueKey(ivan)).record.key;
  const other = (await registry.issueKey({ ...ivan, chatId: 5002 })).record.key;
  await registry.revokeChat("main", 5001);
  expect(await registry.revokeKey(other, "admin")).toBe(true);
  expect(await registry.revokeKey(other, "admin")).toBe(false);
  expect(heard).toEqual([
    { key: mine, logged: true },
    { key: other, logged: true },
  ]);
  unsubscribe();
  await registry.revokeKey((await registry.issueKey({ ...ivan, chatId: 5003 })).record.key);
  expect(heard).toHaveLength(2);
  await registry.close();
});
