import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKey, KeyRegistry } from "../../src/keys/registry.ts";
import { bunPlatform } from "../../src/platform/bun.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tgsignal-registry-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const open = (random?: () => number) => KeyRegistry.open({ platform: bunPlatform, dataDir: dir, now: () => Date.UTC(2026, 10, 25), random });
const ivan = { bot: "main", chatId: 5001, chatType: "private" as const, username: "ivan", name: "Ivan" };

test("keys are 8 digits from 10000000 to 99999999", () => {
  expect(generateKey(() => 0)).toBe("10000000");
  expect(generateKey(() => 89_999_999)).toBe("99999999");
  for (let i = 0; i < 1000; i++) expect(generateKey()).toMatch(/^[1-9]\d{7}$/);
});

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
