// Loads the config with the CPU-bound part in a worker. Parsing and checking a
// 10,000-user config takes 150–400 ms of CPU; on the main thread every request waited
// that long on each reload. Here the main thread only reads the file (async I/O, through
// Platform) and puts the worker's result back together, slice by slice (transfer.ts).
// One worker serves the process, one load at a time; it is started on first use.
import { resolve as resolvePath } from "node:path";
import { ConfigError } from "../lib/errors.ts";
import { redactor } from "../lib/redact.ts";
import type { Platform } from "../platform/platform.ts";
import { displayPath, readConfigFile, type LoadOptions } from "./load.ts";
import { ConfigAssembler, type LoadReply, type LoadRequest, type ToWorker } from "./transfer.ts";
import type { Config } from "./types.ts";

export async function loadConfigOffThread(platform: Platform, file: string, options: LoadOptions): Promise<Config> {
  const displayName = options.displayName ?? displayPath(resolvePath(file));
  const bytes = await readConfigFile(platform, file, displayName);
  if (!worker || worker.failed) worker = new LoadWorker();
  return worker.load({ bytes, file, options: { ...options, displayName } });
}

/** Stops the worker (tests; a process exits without it). The next load starts a new one. */
export function stopConfigWorker(): void {
  worker?.stop();
  worker = undefined;
}

let worker: LoadWorker | undefined;

interface Job {
  assembler: ConfigAssembler;
  resolve(config: Config): void;
  reject(error: Error): void;
}

class LoadWorker {
  // Resolved against this module: in the compiled binary it is an entry point of its own
  // at the bundle's root, next to the main one (scripts/build.ts).
  readonly #worker = new Worker(new URL("./load-worker.ts", import.meta.url), { type: "module" });
  #queue: Promise<unknown> = Promise.resolve();
  #job: Job | undefined;
  failed = false;

  constructor() {
    // Bun: an idle worker must not keep the process alive. Deno has no unref; main.ts exits explicitly.
    (this.#worker as Worker & { unref?: () => void }).unref?.();
    this.#worker.onmessage = (event: MessageEvent<LoadReply>) => this.#receive(event.data);
    this.#worker.onerror = (event: ErrorEvent) => {
      // Handled here: unhandled, a worker's error would end the whole process on Deno.
      event.preventDefault();
      this.#fail(new Error(`the config worker failed: ${event.message}`));
    };
  }

  load(request: LoadRequest): Promise<Config> {
    const run = this.#queue.then(
      () =>
        new Promise<Config>((resolve, reject) => {
          if (this.failed) return reject(new Error("the config worker failed; the next load starts a new one"));
          this.#job = { assembler: new ConfigAssembler(), resolve, reject };
          this.#post({ kind: "load", request }, [request.bytes.buffer]);
        }),
    );
    this.#queue = run.catch(() => undefined);
    return run;
  }

  stop(): void {
    this.#fail(new Error("the config worker was stopped"));
  }

  #receive(reply: LoadReply): void {
    const job = this.#job;
    if (!job) return;
    if (reply.kind !== "done" && reply.kind !== "crashed") {
      job.assembler.add(reply);
      return this.#post({ kind: "next" });
    }
    this.#job = undefined;
    // Before anything is logged: a rejected config's messages may be near its secrets.
    redactor.add(...job.assembler.secrets);
    if (reply.kind === "crashed") job.reject(new Error(`checking the config failed: ${reply.message}`));
    else if (reply.head) job.resolve(job.assembler.finish(reply.head));
    else job.reject(new ConfigError(reply.issues));
  }

  #post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(message, transfer);
  }

  #fail(error: Error): void {
    this.failed = true;
    this.#worker.terminate();
    const job = this.#job;
    this.#job = undefined;
    job?.reject(error);
  }
}
