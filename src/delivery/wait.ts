// Waiting for the outbox: a request with `wait` answers once what it asked for is done,
// after `ms`, or at once when the server drains. One subscription, one timer, no polling.
import type { Clock } from "../lib/clock.ts";
import type { OutboxStore } from "./outbox.ts";
import type { NotificationState } from "./types.ts";

/** Resolves when `done()` holds (checked on every change to the notification), after `ms`, or on `signal`. */
export function waitUntil(outbox: OutboxStore, clock: Clock, state: NotificationState, done: () => boolean, ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || done() || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timeout = new AbortController();
    const finish = () => {
      unsubscribe();
      timeout.abort();
      signal?.removeEventListener("abort", finish);
      resolve();
    };
    const unsubscribe = outbox.subscribe(state.id, () => done() && finish());
    signal?.addEventListener("abort", finish, { once: true });
    clock.sleep(ms, timeout.signal).then(finish, () => {});
  });
}
