// An append-only file with group commit: appends that arrive while an fsync is running
// are written together and share the next fsync, so many concurrent requests cost one
// disk flush. `rewrite` swaps in a compacted file between batches.
import type { AppendFile, Platform } from "../platform/platform.ts";

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommitFile {
  #queue: Pending[] = [];
  #running: Promise<void> | undefined;
  #snapshot: (() => string[]) | undefined;
  #file: AppendFile | undefined;
  #closed = false;
  /** Appends since the file was last rewritten (to decide when to compact). */
  appendsSinceRewrite = 0;

  constructor(
    private readonly platform: Platform,
    readonly path: string,
    /** Told when a compacting rewrite failed (appending carries on with the old file). */
    private readonly onRewriteError?: (error: unknown) => void,
  ) {}

  /** Replaces the file with `lines` (atomically) and opens it for appending. */
  async open(lines: string[]): Promise<void> {
    await this.platform.writeFileAtomic(this.path, joinLines(lines));
    this.#file = await this.platform.openAppend(this.path);
  }

  /** Resolves once `line` is on disk (fsynced). Lines are written in call order. */
  append(line: string): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("outbox is closed"));
    this.appendsSinceRewrite++;
    return new Promise((resolve, reject) => {
      this.#queue.push({ line, resolve, reject });
      this.#kick();
    });
  }

  /**
   * Compacts: at the next batch boundary the file becomes `snapshot()`. The snapshot is
   * taken from memory, which already includes every queued line, so those are dropped.
   */
  requestRewrite(snapshot: () => string[]): void {
    if (this.#closed) return;
    this.#snapshot = snapshot;
    this.#kick();
  }

  /** Waits for everything queued to be on disk. */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    await this.#file?.close();
    this.#file = undefined;
  }

  #kick(): void {
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#queue.length > 0 || this.#snapshot) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#snapshot) {
      const snapshot = this.#snapshot;
      this.#snapshot = undefined;
      const batch = this.#queue.splice(0);
      try {
        if (snapshot) await this.#rewrite(snapshot(), batch);
        else await this.#write(batch);
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
  }

  async #write(batch: Pending[]): Promise<void> {
    // Reopen if a rewrite replaced the file but could not open the new one.
    this.#file ??= await this.platform.openAppend(this.path);
    await this.#file.write(joinLines(batch.map((pending) => pending.line)));
    await this.#file.sync();
  }

  /**
   * The compacted file is written (temp file + rename) before the old one is closed: if
   * that fails (disk full), the old file is intact, so the batch goes there and appending
   * carries on; compaction is tried again later.
   */
  async #rewrite(lines: string[], batch: Pending[]): Promise<void> {
    try {
      await this.platform.writeFileAtomic(this.path, joinLines(lines));
    } catch (error) {
      this.onRewriteError?.(error);
      await this.#write(batch);
      return;
    }
    const old = this.#file;
    this.#file = undefined;
    await old?.close();
    this.#file = await this.platform.openAppend(this.path);
    this.appendsSinceRewrite = 0;
  }
}

function joinLines(lines: string[]): string {
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}
