// One upload per bot and file. Telegram gives an uploaded file a file_id that the same bot
// may send again without the bytes (a file_id is valid for that bot only), so in a fan-out
// the first recipient's send uploads and every other recipient of that bot is sent the
// file_id. Lanes run concurrently: a lane that needs a file another lane is uploading waits
// for that upload to end (without holding anything, so albums never deadlock), then uses
// its file_id, or, if it failed, claims the upload itself. Claims are taken before the
// rate limiter's slot, so the waiting lanes then take their slots one by one instead of
// bursting the moment the upload ends.
export interface Claim {
  /** fileKey → file_id: these go by file_id. */
  readonly known: ReadonlyMap<string, string>;
  /** fileKeys this caller uploads. */
  readonly uploads: readonly string[];
  /** Ends the claim: with the file_ids the send returned (fileKey → file_id), or without after a failure. */
  settle(fileIds?: Record<string, string>): void;
}

export class UploadGate {
  /** bot + fileKey → file_id, learned by any notification since start. */
  readonly #ids = new Map<string, string>();
  readonly #inflight = new Map<string, Promise<void>>();

  /** The file_id this bot has for the file, if any send learned one. */
  lookup(bot: string, key: string): string | undefined {
    return this.#ids.get(slot(bot, key));
  }

  /** Telegram refused the file_id ("wrong file identifier"): the next send uploads again. */
  forget(bot: string, key: string): void {
    this.#ids.delete(slot(bot, key));
  }

  /**
   * Waits until none of `keys` is being uploaded to this bot by another lane, then claims
   * the uploads of those without a file_id (in `persisted`, the notification's own record,
   * or learned here). Rejects with the signal's reason when it aborts.
   */
  async claim(bot: string, keys: readonly string[], persisted: (key: string) => string | undefined, signal: AbortSignal): Promise<Claim> {
    const idOf = (key: string) => persisted(key) ?? this.lookup(bot, key);
    for (;;) {
      const busy = keys.filter((key) => idOf(key) === undefined && this.#inflight.has(slot(bot, key))).map((key) => this.#inflight.get(slot(bot, key))!);
      if (busy.length === 0) break;
      await untilAny(busy, signal);
    }
    // From here to the return nothing awaits: the check and the claims are one step.
    const known = new Map<string, string>();
    const uploads: string[] = [];
    const ends: Array<() => void> = [];
    for (const key of keys) {
      const id = idOf(key);
      if (id !== undefined) known.set(key, id);
      else if (!uploads.includes(key)) {
        uploads.push(key);
        let end!: () => void;
        this.#inflight.set(slot(bot, key), new Promise<void>((resolve) => (end = resolve)));
        ends.push(end);
      }
    }
    let settled = false;
    const settle = (fileIds?: Record<string, string>) => {
      if (settled) return;
      settled = true;
      for (const [key, id] of Object.entries(fileIds ?? {})) this.#ids.set(slot(bot, key), id);
      for (const key of uploads) this.#inflight.delete(slot(bot, key));
      for (const end of ends) end();
    };
    return { known, uploads, settle };
  }
}

function slot(bot: string, key: string): string {
  return `${bot}\n${key}`;
}

function untilAny(waits: Promise<void>[], signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    void Promise.race(waits).then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}
