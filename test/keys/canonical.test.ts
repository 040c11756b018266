// The byte-level fast path of replay must mean exactly what JSON.parse means, and the
// registry's lazily built records must equal the ones it used to keep as objects.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalToRecord, matchCanonical, parseRecord, replayKeyLog, type CanonicalRecord } from "../../src/keys/key-log.ts";
import { KeyRegistry } from "../../src/keys/registry.ts";
import { StateError } from "../../src/lib/errors.ts";
import { bunPlatform } from "../../src/platform/bun.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tgsignal-canonical-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const at = "2026-11-25T10:00:00.000Z";
const canonical = [
  { type: "issued", key: "48213977", bot: "main", chat_id: 123456789, chat_type: "private", username: "ivan", name: "Ivan Petrov", at },
  { type: "issued", key: "10000000", bot: "бот", chat_id: -1001234567890, chat_type: "supergroup", username: null, name: "Отдел «ИТ» 😀", at },
  { type: "issued", key: "99999999", bot: "b", chat_id: 0, chat_type: "weird", username: "", name: null, at: "x" },
  { type: "revoked", key: "48213977", by: "admin", at },
  { type: "blocked", key: "48213977", reason: "the person blocked the bot", at },
  { type: "migrated", key: "48213977", chat_id: -1000100, from_chat_id: -100, at },
].map((record) => JSON.stringify(record));

const notCanonical = [
  '{"type":"issued","key":"48213977","bot":"main","chat_id":1,"chat_type":"private","username":"a\\"b","name":null,"at":"t"}', // escape
  '{"type":"issued","key":"48213977","bot":"main","chat_id":1.5,"chat_type":"private","username":null,"name":null,"at":"t"}', // fraction
  '{"type":"issued","key":"48213977","bot":"main","chat_id":1,"chat_type":"private","username":null,"name":null,"at":"t","x":1}', // extra field
  '{"type":"revoked","key":"48213977","by":"user","at":"t"} ', // trailing space
  '{"type":"revoked","key":"48213977","by":"user","at":"t"}\r', // CRLF
  '{"key":"48213977","type":"revoked","by":"user","at":"t"}', // other order
];

const invalid = [
  '{"type":"issued","key":"48213977","bot":"main","chat_id":01,"chat_type":"private","username":null,"name":null,"at":"t"}', // leading zero
  '{"type":"issued","key":"48213977","bot":"main","chat_id":-,"chat_type":"private","username":null,"name":null,"at":"t"}',
  '{"type":"revoked","key":"48213977","by":"us\ter","at":"t"}', // raw control character
  '{"type":"revoked","key":"48213977","by":"user","at":"t"}}',
  '{"type":"revoked","key":"08213977","by":"user","at":"t"}', // key starting with 0
  '{"type":"revoked","key":"4821397","by":"user","at":"t"}',
  '{"type":"issued","key":"48213977","bot":"main","chat_id":1,"chat_type":"private","username":nul,"name":null,"at":"t"}',
];

const match = (line: string): CanonicalRecord | undefined => {
  const bytes = new TextEncoder().encode(line);
  const m = {} as CanonicalRecord;
  return matchCanonical(bytes, 0, bytes.length, m) ? m : undefined;
};

test("a canonical line yields exactly what JSON.parse yields", () => {
  for (const line of canonical) {
    const bytes = new TextEncoder().encode(line);
    const m = {} as CanonicalRecord;
    expect(matchCanonical(bytes, 0, bytes.length, m)).toBe(true);
    expect(canonicalToRecord(bytes, m)).toEqual(JSON.parse(line));
  }
});

test("anything else goes through JSON.parse: valid lines still count, invalid ones are still damaged", () => {
  for (const line of notCanonical) {
    expect(match(line)).toBeUndefined();
    expect(typeof parseRecord(line)).toBe("object");
  }
  for (const line of invalid) {
    expect(match(line)).toBeUndefined();
    expect(typeof parseRecord(line)).toBe("string");
  }
});

test("an invalid near-canonical middle line stops replay with its line number", async () => {
  for (const bad of invalid) {
    await writeFile(join(dir, "keys.log"), [canonical[0], bad, canonical[3]].join("\n") + "\n");
    const error = await replayKeyLog(join(dir, "keys.log"), () => {}, { repairTail: false }).catch((e) => e);
    expect(error).toBeInstanceOf(StateError);
    expect(String(error.message)).toContain("keys.log:2: damaged record");
  }
});

test("records built on lookup equal the objects the registry used to keep, for canonical and other lines", async () => {
  const lines = [
    canonical[0],
    canonical[1],
    canonical[2],
    // non-canonical (escape, extra field, missing chat_type/username)
    '{"type":"issued","key":"22222222","bot":"main","chat_id":7,"chat_type":"group","username":"a\\"b","name":"N","at":"t2","extra":true}',
    '{"type":"issued","key":"33333333","bot":"main","chat_id":8,"name":"M","at":"t3"}',
    '{"type":"blocked","key":"22222222","reason":"gone","at":"t4"}',
    '{"type":"migrated","key":"22222222","chat_id":-1007,"from_chat_id":7,"at":"t5"}',
    '{"type":"revoked","key":"99999999","by":"user","at":"t6"}',
    // issued again after revoke: keeps the first issue time
    '{"type":"issued","key":"99999999","bot":"b","chat_id":9,"chat_type":"private","username":"z","name":"Z","at":"t7"}',
  ];
  await writeFile(join(dir, "keys.log"), lines.join("\n") + "\n");
  const registry = await KeyRegistry.open({ platform: bunPlatform, dataDir: dir, repairTail: false });
  expect(registry.all()).toEqual([
    { key: "48213977", bot: "main", chatId: 123456789, chatType: "private", username: "ivan", name: "Ivan Petrov", issuedAt: at, status: "active" },
    { key: "10000000", bot: "бот", chatId: -1001234567890, chatType: "supergroup", username: null, name: "Отдел «ИТ» 😀", issuedAt: at, status: "active" },
    { key: "99999999", bot: "b", chatId: 9, chatType: "private", username: "z", name: "Z", issuedAt: "x", status: "active" },
    { key: "22222222", bot: "main", chatId: -1007, chatType: "supergroup", username: 'a"b', name: "N", issuedAt: "t2", status: "blocked" },
    { key: "33333333", bot: "main", chatId: 8, chatType: "private", username: null, name: "M", issuedAt: "t3", status: "active" },
  ]);
  expect(registry.lookup("48213977")).toEqual(registry.all()[0]!);
  expect(registry.keyForChat("бот", -1001234567890)?.key).toBe("10000000");
  expect(registry.keyForChat("main", -1007)?.key).toBe("22222222");
  expect(registry.keyForChat("main", 7)).toBeUndefined();
  expect(registry.keyForChat("b", 0)).toBeUndefined(); // revoked, then issued for chat 9
  expect(registry.keyForChat("nope", 1)).toBeUndefined();
  // keys are stored as numbers: only the canonical 8-digit spelling finds one
  for (const other of ["1e7", "10000000.0", " 10000000", "010000000", "1000000"]) expect(registry.lookup(other)).toBeUndefined();
  // a record is a snapshot; revokeChat returns the state after the change
  const revoked = await registry.revokeChat("main", 123456789);
  expect(revoked?.status).toBe("revoked");
  await registry.close();
});
