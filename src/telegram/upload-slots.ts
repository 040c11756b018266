// How many file uploads to Telegram run at once, process-wide. Bun's fetch builds a
// multipart request whole in memory before sending it (measured: a 50 MiB upload held
// ~100 MB while it was on the wire), so ten different big files to ten chats at once would
// hold a gigabyte. Uploads wait for a slot before they take their rate-limiter slot;
// sends by file_id (no bytes) never wait here.
export const MAX_CONCURRENT_UPLOADS = 2;

export class UploadSlots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(slots = MAX_CONCURRENT_UPLOADS) {
    this.#free = slots;
  }

  /** Waits for a slot (rejects with the signal's reason if it aborts first); call the returned function to give it back. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#free > 0) {
      this.#free--;
      return this.#releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const take = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(take);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal!.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(take);
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter; otherwise it is free again.
      if (next) next();
      else this.#free++;
    };
  }
}
