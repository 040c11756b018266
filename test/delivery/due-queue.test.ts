// The due queue on a fake clock: each notification comes out exactly at its due time, one
// timer serves them all (re-armed when an earlier one arrives), deletions stay in, and
// notifications due together come out in the order they were added.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { DueQueue, MAX_TIMER_MS } from "../../src/delivery/due-queue.ts";
import type { NotificationState } from "../../src/delivery/types.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { notification } from "./outbox-fixtures.ts";

let clock: FakeClock;
let stop: AbortController;
let due: Array<{ id: string; at: number }>;
let queue: DueQueue;

beforeEach(() => {
  clock = new FakeClock();
  stop = new AbortController();
  due = [];
  queue = new DueQueue({ clock, signal: stop.signal, onDue: (state) => due.push({ id: state.id, at: clock.now() }) });
});
afterEach(() => stop.abort());

function scheduled(inMs: number): NotificationState {
  const state = notification(clock.now());
  state.dueAt = clock.now() + inMs;
  return state;
}

test("comes out exactly at its due time, not a millisecond before", async () => {
  const state = scheduled(3_600_000);
  queue.add(state);
  await clock.advance(3_600_000 - 1);
  expect(due).toEqual([]);
  await clock.advance(1);
  expect(due).toEqual([{ id: state.id, at: state.dueAt! }]);
  expect(queue.size).toBe(0);
});

test("an earlier one arriving re-arms the one timer; both come out on time", async () => {
  const later = scheduled(60_000);
  queue.add(later);
  expect(clock.pending).toBe(1);
  await clock.advance(1000);
  const sooner = scheduled(5000);
  queue.add(sooner);
  expect(clock.pending).toBe(1);
  await clock.advance(5000);
  expect(due).toEqual([{ id: sooner.id, at: sooner.dueAt! }]);
  await clock.advance(60_000);
  expect(due.map((entry) => entry.id)).toEqual([sooner.id, later.id]);
  expect(due[1]!.at).toBe(later.dueAt!);
});

test("100,000 scheduled notifications are one timer, and come out in due order", async () => {
  // Added in a scrambled order, over 1,000 distinct due times a second apart.
  const states = new Map<string, NotificationState>();
  for (let i = 0; i < 100_000; i++) {
    const state = scheduled(1000 + ((i * 7919) % 1000) * 1000);
    states.set(state.id, state);
    queue.add(state);
  }
  expect(clock.pending).toBe(1);
  expect(queue.size).toBe(100_000);
  await clock.advance(1000 * 1001);
  expect(due.length).toBe(100_000);
  expect(due.every((entry, i) => i === 0 || entry.at >= due[i - 1]!.at)).toBe(true);
  expect(due.every((entry) => entry.at === states.get(entry.id)!.dueAt)).toBe(true);
  expect(clock.pending).toBe(0);
});

test("due at the same moment: out in the order they were added", async () => {
  const states = Array.from({ length: 50 }, () => scheduled(10_000));
  for (const state of states) queue.add(state);
  await clock.advance(10_000);
  expect(due.map((entry) => entry.id)).toEqual(states.map((state) => state.id));
});

test("a deleted one never comes out, and a mass deletion does not keep the entries", async () => {
  const kept = scheduled(20_000);
  const dropped = Array.from({ length: 1000 }, (_, i) => scheduled(10_000 + i));
  for (const state of [...dropped, kept]) queue.add(state);
  for (const state of dropped) queue.delete(state.id);
  expect(queue.size).toBe(1);
  await clock.advance(30_000);
  expect(due.map((entry) => entry.id)).toEqual([kept.id]);
});

test("adding the same notification twice keeps one wait", async () => {
  const state = scheduled(1000);
  queue.add(state);
  queue.add(state);
  expect(queue.size).toBe(1);
  await clock.advance(1000);
  expect(due.length).toBe(1);
});

test("a far due time is looked at again every MAX_TIMER_MS (a wall-clock step is noticed), still one timer", async () => {
  const state = scheduled(3_600_000);
  queue.add(state);
  await clock.advance(MAX_TIMER_MS);
  expect(clock.pending).toBe(1);
  await clock.advance(3_600_000 - MAX_TIMER_MS - 1);
  expect(due).toEqual([]);
  await clock.advance(1);
  expect(due).toEqual([{ id: state.id, at: state.dueAt! }]);
});

test("stopping ends the timer: nothing comes out afterwards, and nothing new waits", async () => {
  queue.add(scheduled(1000));
  stop.abort();
  await clock.advance(0);
  expect(clock.pending).toBe(0);
  queue.add(scheduled(500));
  await clock.advance(5000);
  expect(due).toEqual([]);
  expect(clock.pending).toBe(0);
});
