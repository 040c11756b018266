// The chunked queue gives what an array used as a queue gives, across chunk boundaries.
import { expect, test } from "bun:test";
import { Fifo } from "../../src/lib/fifo.ts";

test("pushes and shifts in any mix come out in order, as from an array", () => {
  let seed = 7;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const fifo = new Fifo<number>();
  const array: number[] = [];
  for (let step = 0; step < 50_000; step++) {
    if (random(5) < 3) {
      fifo.push(step);
      array.push(step);
    } else expect(fifo.shift()).toBe(array.shift());
    expect([fifo.length, fifo.peek()]).toEqual([array.length, array[0]]);
  }
  expect([...fifo]).toEqual(array);
  while (array.length > 0) expect(fifo.shift()).toBe(array.shift());
  expect([fifo.length, fifo.peek(), fifo.shift()]).toEqual([0, undefined, undefined]);
  fifo.push(1);
  expect([...fifo]).toEqual([1]);
});
