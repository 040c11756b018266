// The admin's order of keys (tgsignal keys, GET /keys), for a key store's own order and
// for one a clock set back or a hand edit left out of order.
import { expect, test } from "bun:test";
import { sortForAdmin } from "../../src/keys/listing.ts";
import type { KeyRecord } from "../../src/keys/types.ts";

const record = (key: string, day: number, status: KeyRecord["status"] = "active"): KeyRecord => ({
  key, bot: "main", chatId: Number(key), chatType: "private", username: null, name: null, issuedAt: `2026-11-${String(day).padStart(2, "0")}T10:00:00.000Z`, status,
});
const owners = new Map([["2", "ivanov"], ["5", "petrov"], ["6", "sidorov"]]);
const EXPECTED = ["7", "3", "1", "6", "2", "8", "4", "5"];

test("unassigned active, assigned active, blocked, revoked; newest first within", () => {
  // In order of first issue, as the key store lists them.
  const records = [record("1", 1), record("2", 2), record("3", 3), record("4", 4, "blocked"), record("5", 5, "revoked"), record("6", 6), record("7", 7), record("8", 8, "blocked")];
  expect(sortForAdmin(records, owners).map((r) => r.key)).toEqual(EXPECTED);
  // Any other order (a clock set back, a hand-edited log) gives the same answer.
  const shuffled = [records[4]!, records[0]!, records[7]!, records[2]!, records[6]!, records[1]!, records[5]!, records[3]!];
  expect(sortForAdmin(shuffled, owners).map((r) => r.key)).toEqual(EXPECTED);
  expect(sortForAdmin([], owners)).toEqual([]);
});

test("keys issued in the same millisecond: the later issued first, whatever the input order's shape", () => {
  const same = [record("1", 1), record("2", 1), record("3", 1)];
  expect(sortForAdmin(same, new Map()).map((r) => r.key)).toEqual(["3", "2", "1"]);
  // Out of issue order (a newer key listed first): sorted, the same ties in the same order.
  expect(sortForAdmin([record("9", 9), ...same], new Map()).map((r) => r.key)).toEqual(["9", "3", "2", "1"]);
});
