// keys.log on the real Bun platform in a temp dir: what a record must hold, and what the
// key store does with a torn tail, a damaged middle line, a hand-edited last line, and
// `tgsignal keys repair`.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeKeyRecord, type KeyLogRecord } from "../../src/keys/key-log.ts";
import { KeyRegistry } from "../../src/keys/registry.ts";
import { repairKeyLog } from "../../src/keys/repair.ts";
import { StateError, StorageFullError } from "../../src/lib/errors.ts";
import { bunPlatform } from "../../src/platform/bun.ts";

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tgsignal-keylog-"));
  path = join(dir, "keys.log");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const issued = (key: string, chat = 1): KeyLogRecord => ({
  type: "issued", key, bot: "main", chat_id: chat, chat_type: "private", username: null, name: "P", at: "2026-11-25T10:00:00.000Z",
});
const line = (record: KeyLogRecord) => JSON.stringify(record) + "\n";
const ivan = { bot: "main", chatId: 5001, chatType: "private" as const, username: "ivan", name: "Ivan" };

async function open(repairTail = true) {
  const warnings: string[] = [];
  const registry = await KeyRegistry.open({ platform: bunPlatform, dataDir: dir, repairTail, onWarning: (m) => void warnings.push(m) });
  return { registry, warnings };
}

test("a missing log opens empty, and a read-only open does not create it", async () => {
  const { registry } = await open(false);
  expect(registry.list()).toEqual([]);
  await registry.close();
  expect(await readFile(path, "utf8").catch((e: { code: string }) => e.code)).toBe("ENOENT");
});

test("concurrent issues for different chats land as JSON lines in call order", async () => {
  const { registry } = await open();
  const results = await Promise.all([1, 2, 3].map((chatId) => registry.issueKey({ ...ivan, chatId })));
  await registry.close();
  const records = (await readFile(path, "utf8")).trim().split("\n").map((text) => JSON.parse(text) as KeyLogRecord);
  expect(records.map((record) => [record.type, record.key])).toEqual(results.map((result) => ["issued", result.record.key]));
  expect(records.map((record) => (record as { chat_id: number }).chat_id)).toEqual([1, 2, 3]);
});

test("a torn last line is cut off with a warning; a read-only open leaves the file alone", async () => {
  await writeFile(path, line(issued("11111111")) + '{"type":"issued","key":"2222');
  const readOnly = await open(false);
  expect(readOnly.registry.size).toBe(1);
  expect(readOnly.warnings[0]).toContain("keys.log:2: torn last record");
  expect(await readFile(path, "utf8")).toEndWith('"key":"2222');
  const repaired = await open();
  expect(repaired.registry.size).toBe(1);
  expect(await readFile(path, "utf8")).toBe(line(issued("11111111")));
  await repaired.registry.close();
});

test("a complete last record without its newline counts, and the next append adds the newline", async () => {
  await writeFile(path, line(issued("11111111")) + JSON.stringify(issued("22222222", 2)));
  const { registry } = await open();
  expect(registry.size).toBe(2);
  await registry.issueKey(ivan);
  await registry.close();
  expect((await open()).registry.size).toBe(3);
});

test("a damaged line followed by good ones is a StateError naming file:line and the fix", async () => {
  await writeFile(path, line(issued("11111111")) + "garbage\n" + line(issued("22222222")));
  const error = await open().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StateError);
  expect((error as StateError).code).toBe("key_log_damaged");
  expect((error as Error).message).toContain(`${path}:2: damaged record (not valid JSON)`);
  expect((error as Error).message).toContain("tgsignal keys repair");
});

test("lines that are not valid JSON, or not a valid record, are damage in the middle of the log", async () => {
  const invalid = [
    '{"type":"issued","key":"48213977","bot":"main","chat_id":01,"chat_type":"private","username":null,"name":null,"at":"t"}', // leading zero
    '{"type":"revoked","key":"48213977","by":"us\ter","at":"t"}', // raw control character
    '{"type":"revoked","key":"48213977","by":"user","at":"t"}}',
    '{"type":"revoked","key":"08213977","by":"user","at":"t"}', // key starting with 0
    '{"type":"revoked","key":"4821397","by":"user","at":"t"}',
    '{"type":"revoked","key":48213977,"by":"user","at":"t"}', // a number, not a string
    '{"type":"issued","key":"48213977","chat_id":1}', // no bot
  ];
  for (const bad of invalid) {
    await writeFile(path, line(issued("11111111")) + bad + "\n" + line(issued("22222222")));
    const error = await open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect(String((error as Error).message)).toContain("keys.log:2: damaged record");
  }
});

test("records are checked, not just parsed", () => {
  expect(decodeKeyRecord({ type: "issued", key: "01234567" })).toContain("key");
  expect(decodeKeyRecord({ type: "exploded", key: "11111111" })).toContain("unknown type");
  expect(decodeKeyRecord({ type: "issued", key: "11111111" })).toContain("bot");
  expect(decodeKeyRecord({ type: "migrated", key: "11111111" })).toContain("chat_id");
  expect(decodeKeyRecord([1])).toContain("key");
  expect(decodeKeyRecord(null)).toBe("not a JSON object");
  expect(decodeKeyRecord(issued("11111111"))).toEqual(issued("11111111"));
});

test("every field the store and its readers use is checked; a record without its time is damage, whatever its type", () => {
  const { at: _at, ...noTime } = issued("11111111");
  expect(decodeKeyRecord(noTime)).toContain('"at"');
  expect(decodeKeyRecord({ type: "revoked", key: "11111111", by: "user" })).toContain('"at"');
  expect(decodeKeyRecord({ type: "blocked", key: "11111111", reason: "gone", at: 5 })).toContain('"at"');
  expect(decodeKeyRecord({ type: "migrated", key: "11111111", chat_id: 2, from_chat_id: 1 })).toContain('"at"');
  expect(decodeKeyRecord({ ...issued("11111111"), chat_id: 1.5 })).toContain("chat_id");
  expect(decodeKeyRecord({ ...issued("11111111"), chat_id: "1" })).toContain("chat_id");
  expect(decodeKeyRecord({ type: "migrated", key: "11111111", chat_id: 2 ** 60, at: "t" })).toContain("chat_id");
  expect(decodeKeyRecord({ ...issued("11111111"), chat_type: "bot" })).toContain("chat_type");
  expect(decodeKeyRecord({ ...issued("11111111"), username: 7 })).toContain("username");
  expect(decodeKeyRecord({ ...issued("11111111"), name: { first: "x" } })).toContain("name");
  // A hand edit may leave these out: read as "private", null, null.
  const minimal = { type: "issued", key: "11111111", bot: "main", chat_id: 1, at: "2026-11-25T10:00:00.000Z" };
  expect(decodeKeyRecord(minimal)).toEqual(minimal as KeyLogRecord);
});

test("a hand-written last record without its time stops the start with its line; it is not cut off as if torn", async () => {
  const text = line(issued("11111111")) + '{"type":"issued","key":"22222222","bot":"main","chat_id":2}\n';
  await writeFile(path, text);
  for (const repairTail of [true, false]) {
    const error = await open(repairTail).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect((error as Error).message).toContain(`${path}:2: damaged record (missing or bad "at"`);
  }
  expect(await readFile(path, "utf8")).toBe(text);
  expect((await repairKeyLog(bunPlatform, path)).moved).toEqual([{ line: 2, reason: 'missing or bad "at" (when it happened)' }]);
});

test("a multi-megabyte log replays whole", async () => {
  const lines: string[] = [];
  for (let i = 0; i < 40_000; i++) lines.push(line(issued(String(10_000_000 + i), i)));
  await writeFile(path, lines.join(""));
  const { registry } = await open();
  expect(registry.size).toBe(40_000);
  expect(registry.keyForChat("main", 39_999)?.key).toBe("10039999");
});

test("repair moves damaged lines to keys.log.damaged and keeps every good record", async () => {
  await writeFile(path, line(issued("11111111")) + "garbage\n\n" + line(issued("22222222")) + "{torn");
  const result = await repairKeyLog(bunPlatform, path, () => Date.UTC(2026, 10, 25));
  expect(result.kept).toBe(2);
  expect(result.moved).toEqual([
    { line: 2, reason: "not valid JSON" },
    { line: 5, reason: "not valid JSON" },
  ]);
  expect(await readFile(`${path}.damaged`, "utf8")).toBe(
    `# ${path}:2 (not valid JSON), moved 2026-11-25T00:00:00.000Z\ngarbage\n# ${path}:5 (not valid JSON), moved 2026-11-25T00:00:00.000Z\n{torn\n`,
  );
  expect(await readFile(path, "utf8")).toBe(line(issued("11111111")) + line(issued("22222222")));
  expect((await open()).registry.size).toBe(2);
});

test("repair on a full disk is a StorageFullError and leaves keys.log as it was", async () => {
  const text = line(issued("11111111")) + "garbage\n" + line(issued("22222222"));
  await writeFile(path, text);
  const full = { ...bunPlatform, writeFileAtomic: () => Promise.reject(Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" })) };
  const error = await repairKeyLog(full, path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StorageFullError);
  expect(await readFile(path, "utf8")).toBe(text);
});

test("repair of a sound log changes nothing", async () => {
  const text = line(issued("11111111")) + line(issued("22222222"));
  await writeFile(path, text);
  expect(await repairKeyLog(bunPlatform, path)).toMatchObject({ kept: 2, moved: [] });
  expect(await readFile(path, "utf8")).toBe(text);
  expect(await readFile(`${path}.damaged`, "utf8").catch((e: { code: string }) => e.code)).toBe("ENOENT");
});
