// Which stored files are still needed, and removing the rest. A file in data_dir/files is
// needed while a notification holding it has a recipient queued (the outbox says when,
// once that is on disk), or while a request that stored it has not yet handed it to the
// outbox (the store's pin). When neither holds any more, it is removed. At start, before
// any request, whatever no replayed notification needs is swept (uploads a crash cut
// short included), so no orphan outlives a restart.
import { errorMessage } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { CommittedFile, FileStore } from "../storage/file-store.ts";
import type { FileHolder } from "./outbox.ts";
import type { NotificationState } from "./types.ts";

export class FileKeeper implements FileHolder {
  /** Per hash, how many notifications hold it. */
  readonly #holders = new Map<string, number>();
  /** Removals under way. */
  readonly #removing = new Set<Promise<unknown>>();

  constructor(
    readonly store: FileStore,
    private readonly log: Logger,
  ) {}

  hold(state: NotificationState): void {
    for (const hash of hashesOf(state)) this.#holders.set(hash, (this.#holders.get(hash) ?? 0) + 1);
  }

  release(state: NotificationState): void {
    for (const hash of hashesOf(state)) {
      const left = (this.#holders.get(hash) ?? 1) - 1;
      if (left > 0) this.#holders.set(hash, left);
      else {
        this.#holders.delete(hash);
        this.#collect(hash);
      }
    }
  }

  needed(hash: string): boolean {
    return this.#holders.has(hash);
  }

  /** A request is done with the files it stored: its notification holds them now, or nothing does. */
  letGo(files: readonly CommittedFile[]): void {
    for (const file of files) {
      file.release();
      if (!this.needed(file.hash)) this.#collect(file.hash);
    }
  }

  /** At start, after the outbox replayed (it holds what queued notifications need). */
  async sweep(): Promise<void> {
    const removed = await this.store.sweep((hash) => this.needed(hash));
    if (removed.temps + removed.files > 0) this.log.info("files: removed what no notification needs", { unfinished_uploads: removed.temps, files: removed.files });
  }

  /** Resolves when the removals asked for so far are done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#removing.size > 0) await Promise.all(this.#removing);
  }

  #collect(hash: string): void {
    // The store asks needed() again right before it removes the file, and skips pinned ones.
    const removal = this.store
      .collect(hash, (h) => this.needed(h))
      .catch((error: unknown) => this.log.warn("files: could not remove a file no notification needs", { hash, error: errorMessage(error) }))
      .finally(() => this.#removing.delete(removal));
    this.#removing.add(removal);
  }
}

function hashesOf(state: NotificationState): Set<string> {
  return new Set(state.files?.map((file) => file.hash) ?? []);
}
