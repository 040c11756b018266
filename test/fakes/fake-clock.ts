import type { Clock } from "../../src/lib/clock.ts";

/** A clock that moves only when told to; sleepers wake in time order as it advances. */
export class FakeClock implements Clock {
  #now: number;
  #sleepers: Array<{ at: number; resolve: () => void; reject: (reason: unknown) => void; signal?: AbortSignal; onAbort?: () => void }> = [];

  constructor(start = Date.UTC(2026, 10, 25, 10, 0, 0)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const sleeper = { at: this.#now + ms, resolve, reject, signal, onAbort: undefined as (() => void) | undefined };
      sleeper.onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", sleeper.onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /** Number of pending sleepers (to assert that something is waiting). */
  get pending(): number {
    return this.#sleepers.length;
  }

  /** Moves time forward by `ms`, waking sleepers in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await flushMicrotasks();
      this.#sleepers.sort((a, b) => a.at - b.at);
      const next = this.#sleepers[0];
      if (!next || next.at > target) break;
      this.#sleepers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.signal?.removeEventListener("abort", next.onAbort!);
      next.resolve();
    }
    this.#now = target;
    await flushMicrotasks();
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
