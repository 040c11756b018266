// Long polls waiting for an event newer than their cursor: one shared set, woken when an
// event becomes readable. A waiter costs an entry and an abort listener; nothing runs for
// it until an event comes, its signal aborts, or the inbox closes.

interface Waiter {
  readonly after: bigint;
  readonly wake: () => void;
}

export class Waiters {
  readonly #waiting = new Set<Waiter>();

  get size(): number {
    return this.#waiting.size;
  }

  /** Resolves once `wakeNewer` passes an id above `after`, on `signal`, or on `releaseAll`. */
  wait(after: bigint, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.#waiting.delete(waiter);
        signal.removeEventListener("abort", wake);
        resolve();
      };
      const waiter: Waiter = { after, wake };
      this.#waiting.add(waiter);
      signal.addEventListener("abort", wake, { once: true });
    });
  }

  /** Wakes (and removes) every waiter whose cursor is below `id`. */
  wakeNewer(id: bigint): void {
    for (const waiter of this.#waiting) if (waiter.after < id) waiter.wake();
  }

  releaseAll(): void {
    for (const waiter of this.#waiting) waiter.wake();
  }
}
