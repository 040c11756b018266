// Whose events a client may read: its allow list with groups flattened; no list, everyone.
import { expect, test } from "bun:test";
import { mayRead, readersOf } from "../../src/events/access.ts";

const groups: Record<string, string[]> = { ops: ["ivanov", "petrov"], all: ["ivanov", "petrov", "sidorov"] };
const groupUsers = (name: string) => groups[name];

test("no allow list reads everyone's events", () => {
  expect(readersOf(null, groupUsers)).toBeNull();
  expect(mayRead(null, { user: "anyone" })).toBe(true);
});

test("users directly and through groups; nobody else", () => {
  const readers = readersOf(["ops", "kuznetsov"], groupUsers);
  expect([...readers!].sort()).toEqual(["ivanov", "kuznetsov", "petrov"]);
  expect(["ivanov", "petrov", "kuznetsov", "sidorov"].map((user) => mayRead(readers, { user }))).toEqual([true, true, true, false]);
  expect(mayRead(readersOf([], groupUsers), { user: "ivanov" })).toBe(false);
});
