// Loads the config of a running gateway without holding its event loop. Parsing and
// checking a 10,000-user config takes 150–400 ms of CPU; on the main thread every request
// waited that long on each reload. Here the first load runs on this thread (nothing else
// runs yet), and each reload reads the file here (async I/O, through Platform), checks it
// in a worker, and puts the result back together slice by slice (transfer.ts).
import { Buffer } from "node:buffer";
import { resolve as resolvePath } from "node:path";
import type { Clock } from "../lib/clock.ts";
import { ConfigError } from "../lib/errors.ts";
import { redactor } from "../lib/redact.ts";
import type { Platform } from "../platform/platform.ts";
import { displayPath, parseConfig, readConfigFile, type LoadOptions } from "./load.ts";
import { ConfigAssembler, type LoadReply, type LoadRequest, type ToWorker } from "./transfer.ts";
import type { Config } from "./types.ts";

export interface ConfigLoaderOptions {
  platform: Platform;
  clock: Clock;
  file: string;
  env: LoadOptions["env"];
  /** Quiet time after which the worker ends (default: a minute). */
  idleMs?: number;
}

/**
 * One config file, loaded and reloaded. A reload whose bytes equal the last ones loaded
 * gives back that same Config without any work: serve re-reads right after start, and
 * editors and `touch` rewrite files unchanged.
 */
export class ConfigLoader {
  readonly #options: LoadOptions & { displayName: string };
  readonly #worker: ConfigWorker;
  #last: { bytes: Buffer; config: Config } | undefined;

  constructor(private readonly loader: ConfigLoaderOptions) {
    this.#options = { env: loader.env, displayName: displayPath(resolvePath(loader.file)) };
    this.#worker = new ConfigWorker(loader.clock, loader.idleMs ?? 60_000);
  }

  /** Reads and checks on this thread: start-up and one-shot commands, when nothing else runs. */
  async load(): Promise<Config> {
    const bytes = await this.#read();
    return this.#remember(bytes, parseConfig(new TextDecoder().decode(bytes), this.loader.file, this.#options));
  }

  /** Reads here, checks in the worker. An empty file is refused (a write still in progress). */
  async reload(): Promise<Config> {
    const bytes = await this.#read();
    const last = this.#last;
    if (last?.bytes.equals(bytes)) return last.config;
    // A copy goes to the worker (its buffer is transferred); this one stays for the comparison.
    const request = { bytes: bytes.slice(), file: this.loader.file, options: { ...this.#options, allowEmpty: false } };
    return this.#remember(bytes, await this.#worker.check(request));
  }

  /** Whether the worker is up (it ends when idle). */
  get working(): boolean {
    return this.#worker.running;
  }

  close(): void {
    this.#worker.stop();
  }

  #read(): Promise<Uint8Array<ArrayBuffer>> {
    return readConfigFile(this.loader.platform, this.loader.file, this.#options.displayName);
  }

  #remember(bytes: Uint8Array, config: Config): Config {
    // A view, not a copy: Buffer brings a native comparison.
    this.#last = { bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), config };
    return config;
  }
}

/**
 * The worker, started on first use and kept for a burst of reloads: starting one costs
 * the event loop 6–9 ms each time. It ends after a quiet spell, so an idle gateway keeps
 * no second heap (7 MB on the compiled binary). One check at a time.
 */
class ConfigWorker {
  #worker: Worker | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #pending = 0;
  #idle: AbortController | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly idleMs: number,
  ) {}

  get running(): boolean {
    return this.#worker !== undefined;
  }

  check(request: LoadRequest): Promise<Config> {
    this.#idle?.abort();
    this.#pending++;
    const run = this.#queue.then(() => this.#checkNow(request));
    this.#queue = run.catch(() => undefined).then(() => --this.#pending === 0 && this.#stopWhenIdle());
    return run;
  }

  stop(): void {
    this.#idle?.abort();
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  #checkNow(request: LoadRequest): Promise<Config> {
    const worker = (this.#worker ??= startWorker());
    const post = (message: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(message, transfer);
    const assembler = new ConfigAssembler();
    return new Promise<Config>((resolve, reject) => {
      worker.onmessage = ({ data: reply }: MessageEvent<LoadReply>) => {
        if (reply.kind !== "done" && reply.kind !== "crashed") return (assembler.add(reply), post({ kind: "next" }));
        // Before anything is logged: a rejected config's messages may be near its secrets.
        redactor.add(...assembler.secrets);
        if (reply.kind === "crashed") reject(new Error(`checking the config failed: ${reply.message}`));
        else if (reply.head) resolve(assembler.finish(reply.head));
        else reject(new ConfigError(reply.issues));
      };
      worker.onerror = (event: ErrorEvent) => {
        // Handled here: unhandled, a worker's error would end the whole process on Deno.
        event.preventDefault();
        this.stop();
        reject(new Error(`the config worker failed: ${event.message}`));
      };
      post({ kind: "load", request }, [request.bytes.buffer]);
    });
  }

  #stopWhenIdle(): void {
    this.#idle?.abort();
    const idle = (this.#idle = new AbortController());
    this.clock.sleep(this.idleMs, idle.signal).then(
      () => this.stop(),
      () => undefined,
    );
  }
}

function startWorker(): Worker {
  // Resolved against this module: in the compiled binary the worker is an entry point of
  // its own at the bundle's root, next to the main one (scripts/build.ts).
  const worker = new Worker(new URL("./load-worker.ts", import.meta.url), { type: "module" });
  // Bun: an idle worker must not keep the process alive. Deno has no unref; main.ts exits explicitly.
  (worker as Worker & { unref?: () => void }).unref?.();
  return worker;
}
