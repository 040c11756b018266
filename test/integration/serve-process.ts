// Runs `tgsignal serve` as a child process (Bun by default; the runtime tests pass the
// compiled binary or Deno) and reads its log to learn the port and wait for events.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");
export const BUN = join(ROOT, "node_modules/.bin/bun");
export const DENO = join(ROOT, "node_modules/.bin/deno");

export interface ServeCommand {
  /** argv before "serve", e.g. [BUN, "src/main.ts"] */
  argv: string[];
}

export const BUN_COMMAND: ServeCommand = { argv: [BUN, join(ROOT, "src/main.ts")] };

export interface ServeProcess {
  readonly url: string;
  readonly proc: ReturnType<typeof Bun.spawn>;
  /** Everything the process wrote to stderr/stdout so far. */
  output(): string;
  /** Resolves when the output matches, or rejects after timeoutMs with the output so far. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals | number): Promise<number>;
}

export async function tempDir(prefix = "tgs-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function writeConfig(dir: string, text: string): Promise<string> {
  const file = join(dir, "config.yaml");
  await writeFile(file, text);
  return file;
}

export function runCommand(command: ServeCommand, args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  return Bun.spawn([...command.argv, ...args], {
    cwd,
    env: { ...process.env, TGSIGNAL_LOG: "debug", ...env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
}

/** Runs the command to its exit; resolves with the exit code and everything it printed. */
export async function runToExit(command: ServeCommand, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = runCommand(command, args, env);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

export async function startServe(
  configFile: string,
  options: { command?: ServeCommand; env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<ServeProcess> {
  const child = spawnWithOutput(options.command ?? BUN_COMMAND, ["serve", "-c", configFile], options.env, options.cwd);
  const started = await child.waitForOutput(/tgsignal started.*listen=(http:\/\/[^\s]+)/, options.timeoutMs ?? 15_000);
  return { url: started[1]!, ...child };
}

export type SpawnedProcess = Omit<ServeProcess, "url">;

/** Runs a tgsignal command in the background, collecting what it prints (stdout and stderr). */
export function spawnWithOutput(command: ServeCommand, args: string[], env?: Record<string, string>, cwd?: string): SpawnedProcess {
  const proc = runCommand(command, args, env, cwd);
  let text = "";
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      for (const wake of waiters) wake();
    }
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>);
  void pump(proc.stderr as ReadableStream<Uint8Array>);
  const waitForOutput = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = text.match(pattern);
        if (match) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(match);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${pattern}; output so far:\n${text}`));
      }, timeoutMs);
      waiters.add(check);
      check();
      void proc.exited.then(() => setTimeout(() => {
        if (waiters.has(check)) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`process exited (${proc.exitCode}) before ${pattern}; output:\n${text}`));
        }
      }, 50));
    });
  return {
    proc,
    output: () => text,
    waitForOutput,
    async kill(signal = "SIGTERM") {
      proc.kill(signal);
      return proc.exited;
    },
  };
}

/** Polls `check` until it returns a truthy value (real watchers and processes only). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await Bun.sleep(25);
  }
}
