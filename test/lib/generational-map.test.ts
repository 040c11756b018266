// GenerationalMap and GenerationalSet behave as Map and Set do (checked against them on
// random operations), with their entries spread over generations of a bounded size.
import { expect, test } from "bun:test";
import { GenerationalMap, GenerationalSet } from "../../src/lib/generational-map.ts";

test("random sets, gets and deletes give what a Map gives, in the same order", () => {
  let seed = 1;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const map = new Map<number, number>();
  const generational = new GenerationalMap<number, number>(8);
  for (let step = 0; step < 20_000; step++) {
    const key = random(300);
    const action = random(3);
    if (action === 0) {
      map.set(key, step);
      generational.set(key, step);
    } else if (action === 1) expect(generational.delete(key)).toBe(map.delete(key));
    else expect([generational.get(key), generational.has(key)]).toEqual([map.get(key), map.has(key)]);
    expect(generational.size).toBe(map.size);
  }
  expect([...generational.entries()]).toEqual([...map.entries()]);
  expect([...generational.values()]).toEqual([...map.values()]);
});

test("a replaced value keeps its place; emptied old generations go; deleting while iterating is safe", () => {
  const generational = new GenerationalMap<string, number>(2);
  for (const [key, value] of [["a", 1], ["b", 2], ["c", 3], ["d", 4], ["e", 5]] as const) generational.set(key, value);
  generational.set("a", 10);
  expect([...generational.keys()]).toEqual(["a", "b", "c", "d", "e"]);
  expect(generational.get("a")).toBe(10);
  for (const [key] of generational) if (key !== "e") generational.delete(key);
  expect([...generational.entries()]).toEqual([["e", 5]]);
  generational.set("f", 6);
  expect([...generational.keys()]).toEqual(["e", "f"]);
  generational.clear();
  expect(generational.size).toBe(0);
});

test("GenerationalSet: add, has, delete, iteration in insertion order", () => {
  const set = new GenerationalSet<string>(2);
  for (const key of ["x", "y", "z", "x"]) set.add(key);
  expect([...set]).toEqual(["x", "y", "z"]);
  expect([set.size, set.has("y"), set.delete("y"), set.has("y"), set.delete("y")]).toEqual([3, true, true, false, false]);
  expect([set.tryAdd("y"), set.tryAdd("y"), set.tryAdd("x")]).toEqual([true, false, false]);
  expect([...set]).toEqual(["x", "z", "y"]);
});
