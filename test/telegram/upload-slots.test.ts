// At most two uploads at once, process-wide: the third waits for a slot, gets it as soon as
// one is given back, and stops waiting when its signal aborts.
import { expect, test } from "bun:test";
import { UploadSlots } from "../../src/telegram/upload-slots.ts";

/** Lets every promise that can settle now settle (a few microtask turns). */
const ticks = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

test("two slots: the third waits until one is released; a release twice frees once", async () => {
  const slots = new UploadSlots(2);
  const first = await slots.acquire();
  await slots.acquire();
  let third = false;
  const waiting = slots.acquire().then((release) => ((third = true), release));
  await ticks();
  expect(third).toBe(false);
  first();
  first();
  const release = await waiting;
  expect(third).toBe(true);
  let fourth = false;
  void slots.acquire().then(() => (fourth = true));
  await ticks();
  expect(fourth).toBe(false);
  release();
  await ticks();
  expect(fourth).toBe(true);
});

test("a waiter whose signal aborts leaves the queue without taking a slot", async () => {
  const slots = new UploadSlots(1);
  const held = await slots.acquire();
  const stop = new AbortController();
  const waiting = slots.acquire(stop.signal);
  stop.abort(new Error("shutting down"));
  await expect(waiting).rejects.toThrow("shutting down");
  held();
  const again = await slots.acquire();
  expect(typeof again).toBe("function");
});
