/**
 * Lets tests wait for something the gateway does to the emulator (a message sent or
 * edited, a reaction, a callback answer) without sleeping: every change re-checks the
 * waiters' conditions.
 */
export class ChangeFeed {
  private readonly listeners = new Set<() => void>();

  /** Called after every change to the emulator's state. */
  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` after every change from now on; returns an unsubscribe. */
  watch(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves with `check()`'s first defined result, checked now and after every change;
   * rejects after `timeoutMs` with `describe()`'s account of what was awaited.
   */
  waitFor<T>(check: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const unwatch = this.watch(() => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        unwatch();
        resolve(value);
      });
      const timer = setTimeout(() => {
        unwatch();
        reject(new Error(describe()));
      }, timeoutMs);
    });
  }
}
