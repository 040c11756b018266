/** Time as the policies see it; tests hand in a fake (test/fakes/fake-clock.ts). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** setTimeout's limit: longer delays overflow and fire at once (Bun, Deno and Node alike). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const until = Date.now() + Math.max(0, ms);
      // Long sleeps (a poll window of a monthly pattern) are chained in steps under the limit.
      const arm = () => {
        const left = until - Date.now();
        if (left <= 0) {
          signal?.removeEventListener("abort", onAbort);
          return resolve();
        }
        timer = setTimeout(arm, Math.min(left, MAX_TIMEOUT_MS));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      arm();
    });
  },
};
