import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyLogWriter, parseRecord, replayKeyLog, type KeyLogRecord } from "../../src/keys/key-log.ts";
import { repairKeyLog } from "../../src/keys/repair.ts";
import { StateError } from "../../src/lib/errors.ts";
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

async function replay(options = { repairTail: true }) {
  const records: KeyLogRecord[] = [];
  const warnings: string[] = [];
  const result = await replayKeyLog(path, (record) => records.push(record), { ...options, onWarning: (m) => warnings.push(m) });
  return { records, warnings, result };
}

test("a missing log replays as empty", async () => {
  expect((await replay()).result).toEqual({ records: 0, validBytes: 0, needsNewline: false });
});

test("appends are fsynced JSON lines; concurrent appends are group-committed in order", async () => {
  const writer = new KeyLogWriter(bunPlatform, path, { needsNewline: false });
  await Promise.all([writer.append(issued("11111111")), writer.append(issued("22222222")), writer.append({ type: "revoked", key: "11111111", by: "user", at: "x" })]);
  await writer.close();
  const { records } = await replay();
  expect(records.map((r) => `${r.type}:${r.key}`)).toEqual(["issued:11111111", "issued:22222222", "revoked:11111111"]);
});

test("a torn last line is cut off with a warning; read-only replay leaves the file alone", async () => {
  await writeFile(path, line(issued("11111111")) + '{"type":"issued","key":"2222');
  const readOnly = await replay({ repairTail: false });
  expect(readOnly.records).toHaveLength(1);
  expect(readOnly.warnings[0]).toContain("keys.log:2: torn last record");
  expect((await readFile(path, "utf8")).length).toBeGreaterThan(line(issued("11111111")).length);
  const repaired = await replay();
  expect(repaired.records).toHaveLength(1);
  expect(await readFile(path, "utf8")).toBe(line(issued("11111111")));
});

test("a complete last record without its newline counts, and the next append adds the newline", async () => {
  await writeFile(path, line(issued("11111111")) + JSON.stringify(issued("22222222")));
  const { records, result } = await replay();
  expect(records).toHaveLength(2);
  const writer = new KeyLogWriter(bunPlatform, path, result);
  await writer.append(issued("33333333"));
  await writer.close();
  expect((await replay()).records).toHaveLength(3);
});

test("a damaged line followed by good ones is a StateError naming file:line and the fix", async () => {
  await writeFile(path, line(issued("11111111")) + "garbage\n" + line(issued("22222222")));
  const error = await replay().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StateError);
  expect((error as Error).message).toContain(`${path}:2: damaged record (not valid JSON)`);
  expect((error as Error).message).toContain("tgsignal keys repair");
});

test("records are checked, not just parsed", () => {
  expect(parseRecord('{"type":"issued","key":"01234567"}')).toContain("key");
  expect(parseRecord('{"type":"exploded","key":"11111111"}')).toContain("unknown type");
  expect(parseRecord('{"type":"issued","key":"11111111"}')).toContain("bot");
  expect(parseRecord("[1]")).toContain("key");
});

test("replay reads across chunk boundaries (multi-megabyte logs)", async () => {
  const lines: string[] = [];
  for (let i = 0; i < 40_000; i++) lines.push(line(issued(String(10_000_000 + i), i)));
  await writeFile(path, lines.join(""));
  expect((await replay()).records).toHaveLength(40_000);
});

test("repair moves damaged lines to keys.log.damaged and keeps every good record", async () => {
  await writeFile(path, line(issued("11111111")) + "garbage\n\n" + line(issued("22222222")) + "{torn");
  const result = await repairKeyLog(bunPlatform, path);
  expect(result.kept).toBe(2);
  expect(result.moved.map((m) => m.line)).toEqual([2, 5]);
  expect(await readFile(`${path}.damaged`, "utf8")).toContain("garbage");
  expect((await replay()).records).toHaveLength(2);
});
