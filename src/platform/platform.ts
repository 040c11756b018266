// The outside world as the app sees it. Serving, signals, durable file writes and
// watching differ between Bun and Deno; everything else in src/ is runtime-neutral.

export interface ServeOptions {
  hostname: string;
  port: number;
  /** A web-standard handler; `remoteAddr` is the peer's IP (for the loopback-only rule). */
  handler: (req: Request, info: { remoteAddr: string }) => Response | Promise<Response>;
  onError?: (error: unknown) => void;
}

export interface Server {
  readonly hostname: string;
  readonly port: number;
  /** Stops accepting; resolves when in-flight requests have finished. */
  stop(): Promise<void>;
}

/** An append-only file: writes are buffered by the OS until `sync()` makes them durable. */
export interface AppendFile {
  /** Writes all of `data`; a failure may leave part of it in the file (the caller cuts it back). */
  write(data: Uint8Array | string): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface WatchOptions {
  /** Poll instead of native events (Deno's native watcher misses replaced files). */
  polling?: boolean;
  intervalMs?: number;
}

export interface Watcher {
  close(): Promise<void>;
}

/** What a path names, after following symlinks. */
export interface FileInfo {
  kind: "file" | "directory" | "fifo" | "socket" | "device" | "other";
  size: number;
}

export type SignalName = "SIGHUP" | "SIGINT" | "SIGTERM";

export interface Platform {
  readonly runtime: "bun" | "deno";
  readonly runtimeVersion: string;
  serve(options: ServeOptions): Promise<Server>;
  openAppend(path: string): Promise<AppendFile>;
  /** Writes via a temp file + fsync + rename, so readers see the old or the new file, never half. */
  writeFileAtomic(path: string, data: string | Uint8Array): Promise<void>;
  readTextFile(path: string): Promise<string>;
  readBytes(path: string): Promise<Uint8Array>;
  /** Cuts the file to `length` bytes (a log's torn tail, or a write that failed part-way). */
  truncate(path: string, length: number): Promise<void>;
  /** Follows symlinks; throws (code ENOENT) when nothing is there. */
  stat(path: string): Promise<FileInfo>;
  /** The path with every symlink resolved. */
  realPath(path: string): Promise<string>;
  /**
   * The first `maxBytes` bytes of a regular file (all of it when smaller). Opened without
   * blocking, and refused unless the opened file is regular, so a FIFO or a device swapped
   * in after a `stat` never hangs or floods the reader.
   */
  readAtMost(path: string, maxBytes: number): Promise<Uint8Array<ArrayBuffer>>;
  /** Creates (or truncates) a file for writing from the start, its directory too; the writer is an AppendFile. */
  openWrite(path: string): Promise<AppendFile>;
  /**
   * Renames `from` to `to` (replacing it) and fsyncs their directory, so the new name
   * survives a power loss once this resolves.
   */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; nothing there is not an error. */
  remove(path: string): Promise<void>;
  /** The names in a directory ([] when it does not exist). */
  listDir(dir: string): Promise<string[]>;
  /**
   * The file as a Blob that reads it when sent (Bun reads it lazily; Deno reads it at
   * once), for uploads: a file is never read into memory before it is needed.
   */
  openBlob(path: string): Promise<Blob>;
  /**
   * A full garbage collection now, where the runtime lets a program ask for one (Bun). The
   * file store asks for one every few MiB of upload: each body chunk is a fresh buffer, and
   * JavaScriptCore collects them only after some 20–30 MB, which a 50 MiB upload would
   * otherwise add to RSS.
   */
  collectGarbage?(): void;
  /** Calls `onChange` with the path of anything that changes inside `dir` (not recursive). */
  watchDir(dir: string, onChange: (path: string) => void, options?: WatchOptions): Promise<Watcher>;
  onSignal(signal: SignalName, handler: () => void): () => void;
  /** fetch() options that route requests through an HTTP(S) proxy. */
  proxyFetchOptions(proxyUrl: string): RequestInit;
  envAll(): Record<string, string>;
  args(): string[];
}
