// Files that notifications carry: data_dir/files/<sha256 of the bytes, hex>. Content
// addressing makes the name safe whatever the caller called the file (names never reach
// the disk), and the same bytes sent twice are stored once.
//   - A file is written to a temp file (`.upload-<pid>-<n>.tmp`), fsynced, and renamed to
//     its hash with the directory fsynced: once commit() resolves it survives a crash, so
//     the outbox record that names it can be appended after (never before).
//   - A committed file is pinned until its notification is in the outbox (or refused):
//     collect() never removes a pinned file, and a rename and a removal of the same hash
//     never overlap (they run one after the other), so a file being stored again while it
//     is collected is never lost.
//   - sweep() at start removes temp files (a crash mid-upload) and files nothing needs.
import { createHash, type Hash } from "node:crypto";
import { join } from "node:path";
import { noSpaceCode, StorageFullError } from "../lib/errors.ts";
import type { AppendFile, Platform } from "../platform/platform.ts";

export const FILES_DIR = "files";

/** How much of a file's start is kept in memory: enough to tell an image's format and size. */
export const HEAD_BYTES = 256 * 1024;

/**
 * Every this many bytes written (all uploads together) the runtime is asked for a garbage
 * collection (Platform.collectGarbage): measured on Bun, a 50 MiB upload then grows RSS by
 * about 10 MB instead of 20–30, for 10–20 % of the upload's time.
 */
const COLLECT_EVERY_BYTES = 16 * 1024 * 1024;

const HASH_NAME = /^[0-9a-f]{64}$/;
const TEMP_NAME = /^\.upload-.*\.tmp$/;

export interface StoredFile {
  /** sha256 of the bytes, lower-case hex: the file's name in data_dir/files. */
  hash: string;
  size: number;
  /** The first bytes (at most HEAD_BYTES). */
  head: Uint8Array;
}

/** A committed file, pinned until `release()`: the caller's notification now holds it, or never will. */
export interface CommittedFile extends StoredFile {
  release(): void;
}

export class FileStore {
  readonly dir: string;
  readonly #pins = new Map<string, number>();
  /** The last rename or removal of each hash, so the next one waits for it. */
  readonly #busy = new Map<string, Promise<unknown>>();
  #temps = 0;
  #sinceCollection = 0;

  constructor(
    private readonly platform: Platform,
    dataDir: string,
  ) {
    this.dir = join(dataDir, FILES_DIR);
  }

  /** Where a stored file is: a path built from its hash only. */
  path(hash: string): string {
    if (!HASH_NAME.test(hash)) throw new Error(`not a file hash: ${JSON.stringify(hash)}`);
    return join(this.dir, hash);
  }

  /** A writer for one new file, written as its bytes arrive. */
  begin(): FileWriter {
    return new FileWriter(this, this.platform, join(this.dir, `.upload-${process.pid}-${++this.#temps}.tmp`));
  }

  /** Stores bytes already in memory (a base64 attachment). */
  async put(bytes: Uint8Array): Promise<CommittedFile> {
    const writer = this.begin();
    try {
      await writer.write(bytes);
      return await writer.commit();
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }

  /** @internal FileWriter reports what it wrote: now and then the runtime collects the chunks' garbage. */
  wrote(bytes: number): void {
    this.#sinceCollection += bytes;
    if (this.#sinceCollection < COLLECT_EVERY_BYTES) return;
    this.#sinceCollection = 0;
    this.platform.collectGarbage?.();
  }

  /** Whether the file is on disk. */
  async has(hash: string): Promise<boolean> {
    return this.platform.stat(this.path(hash)).then(
      (info) => info.kind === "file",
      () => false,
    );
  }

  isPinned(hash: string): boolean {
    return this.#pins.has(hash);
  }

  /**
   * Removes the file unless it is pinned or `needed(hash)` says a notification holds it;
   * both are asked right before the removal. Resolves true when it was removed.
   */
  collect(hash: string, needed: (hash: string) => boolean): Promise<boolean> {
    return this.#exclusive(hash, async () => {
      if (this.#pins.has(hash) || needed(hash)) return false;
      await this.platform.remove(this.path(hash));
      return true;
    });
  }

  /**
   * At start, before any upload: removes temp files (uploads a crash cut short) and the
   * files `needed` does not name. Other names in the directory are left alone.
   */
  async sweep(needed: (hash: string) => boolean): Promise<{ temps: number; files: number }> {
    const removed = { temps: 0, files: 0 };
    for (const name of await this.platform.listDir(this.dir)) {
      if (TEMP_NAME.test(name)) {
        await this.platform.remove(join(this.dir, name));
        removed.temps++;
      } else if (HASH_NAME.test(name) && (await this.collect(name, needed))) removed.files++;
    }
    return removed;
  }

  /** Hashes of the stored files (for tests and the sweep). */
  async list(): Promise<string[]> {
    return (await this.platform.listDir(this.dir)).filter((name) => HASH_NAME.test(name)).sort();
  }

  /** @internal FileWriter's commit: pins the hash (synchronously), then renames under the hash's turn. */
  async install(temp: string, file: StoredFile): Promise<CommittedFile> {
    this.#pins.set(file.hash, (this.#pins.get(file.hash) ?? 0) + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.#pins.get(file.hash) ?? 1) - 1;
      if (left > 0) this.#pins.set(file.hash, left);
      else this.#pins.delete(file.hash);
    };
    try {
      await this.#exclusive(file.hash, () => this.platform.rename(temp, this.path(file.hash)));
    } catch (error) {
      release();
      throw storageError(error, this.path(file.hash));
    }
    return { ...file, release };
  }

  async #exclusive<T>(hash: string, run: () => Promise<T>): Promise<T> {
    const previous = this.#busy.get(hash) ?? Promise.resolve();
    const result = previous.then(run, run);
    const tail = result.catch(() => {});
    this.#busy.set(hash, tail);
    void tail.then(() => this.#busy.get(hash) === tail && this.#busy.delete(hash));
    return result;
  }
}

/** One file being written: bytes in, sha256 and size counted, then committed or aborted. */
export class FileWriter {
  #file: AppendFile | undefined;
  readonly #hash: Hash = createHash("sha256");
  readonly #head: Uint8Array[] = [];
  #headSize = 0;
  #size = 0;
  #done = false;

  constructor(
    private readonly store: FileStore,
    private readonly platform: Platform,
    private readonly temp: string,
  ) {}

  /** Bytes written so far. */
  get size(): number {
    return this.#size;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (chunk.length === 0) return;
    let writing: Promise<void>;
    try {
      this.#file ??= await this.platform.openWrite(this.temp);
      // The write runs in the runtime's I/O threads while this thread hashes the same bytes.
      writing = this.#file.write(chunk);
    } catch (error) {
      throw storageError(error, this.temp);
    }
    this.#size += chunk.length;
    this.#hash.update(chunk);
    if (this.#headSize < HEAD_BYTES) {
      const take = chunk.subarray(0, HEAD_BYTES - this.#headSize);
      // A copy: the caller's chunk may be a view into a buffer that is reused.
      this.#head.push(take.slice());
      this.#headSize += take.length;
    }
    await writing.catch((error: unknown) => {
      throw storageError(error, this.temp);
    });
    this.store.wrote(chunk.length);
  }

  /** fsync, rename to the hash, fsync the directory; the file is pinned until `release()`. */
  async commit(): Promise<CommittedFile> {
    this.#done = true;
    try {
      this.#file ??= await this.platform.openWrite(this.temp);
      await this.#file.sync();
      await this.#file.close();
      this.#file = undefined;
    } catch (error) {
      await this.#discard();
      throw storageError(error, this.temp);
    }
    const head = concat(this.#head, this.#headSize);
    try {
      return await this.store.install(this.temp, { hash: this.#hash.digest("hex"), size: this.#size, head });
    } catch (error) {
      await this.#discard();
      throw error;
    }
  }

  /** Drops what was written (a refused or broken request). */
  async abort(): Promise<void> {
    if (this.#done && this.#file === undefined) return;
    this.#done = true;
    await this.#discard();
  }

  async #discard(): Promise<void> {
    await this.#file?.close().catch(() => {});
    this.#file = undefined;
    await this.platform.remove(this.temp).catch(() => {});
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** A full disk is one StorageFullError (HTTP 507), whichever step ran out of space. */
function storageError(error: unknown, path: string): unknown {
  const code = noSpaceCode(error);
  return code ? new StorageFullError(path, code) : error;
}
