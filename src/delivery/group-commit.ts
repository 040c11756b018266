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
        if (snapshot) await this.#rewrite(snapshot());
        else await this.#write(batch);
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
  }

  async #write(batch: Pending[]): Promise<void> {
    const file = this.#file;
    if (!file) throw new Error("outbox file is not open");
    await file.write(joinLines(batch.map((pending) => pending.line)));
    await file.sync();
  }

  async #rewrite(lines: string[]): Promise<void> {
    await this.#file?.close();
    this.#file = undefined;
    await this.open(lines);
    this.appendsSinceRewrite = 0;
  }
}

function joinLines(lines: string[]): string {
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}
