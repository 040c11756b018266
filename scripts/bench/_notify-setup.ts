// Shared by the notify and two-way benchmarks: a fake Bot API in this process, a temp data
// dir with N issued keys (user uI is the private chat 100000 + I), and `tgsignal serve` as a
// child process (so load, gateway and fake are separate processes, as in production).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BotApiEmulator } from "../../src/emulator/bot-api.ts";
import type { RateLimitOptions } from "../../src/emulator/types.ts";

export const ROOT = resolve(import.meta.dir, "../..");
export const TOKEN = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA";
export const CLIENT_TOKEN = "bench-token-0123456789abcdef";

export interface BenchGateway {
  url: string;
  /** The fake Bot API's root URL. */
  apiUrl: string;
  emulator: BotApiEmulator;
  /** The gateway's config file (the config-reload bench rewrites it). */
  configFile: string;
  /** The gateway process's pid (for its RSS in /proc). */
  pid: number;
  /** The gateway's data dir. */
  dataDir: string;
  /** performance.now() when `tgsignal serve` was spawned. */
  spawnedAt: number;
  /** performance.now() when the gateway first called `method` of the fake Bot API. */
  firstCallAt(method: string): number | undefined;
  stop(): Promise<void>;
}

export interface BenchGatewayOptions {
  /** The bot's poll pattern; default one that never ticks in practice (the notify benches do not listen). */
  poll?: string;
  /** Extra YAML lines for the `bench` client (indented under it), e.g. `receive: true`. */
  client?: string[];
  /** Runs before the gateway starts, e.g. to queue updates people wrote while it was down. */
  beforeStart?(emulator: BotApiEmulator): void;
}

/** The person behind user uI (their private chat has the same id). */
export const person = (i: number) => ({ id: 100000 + i, first_name: `U${i}` });

export async function startBenchGateway(users: number, limits: RateLimitOptions | false, options: BenchGatewayOptions = {}): Promise<BenchGateway> {
  const emulator = new BotApiEmulator({ limits });
  emulator.addBot({ token: TOKEN, id: 111111, username: "bench_bot", first_name: "Bench" });
  const firstCalls = new Map<string, number>();
  const api = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    fetch(req) {
      const method = new URL(req.url).pathname.split("/").at(-1) ?? "";
      if (!firstCalls.has(method)) firstCalls.set(method, performance.now());
      return emulator.fetch(req);
    },
  });
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-bench-"));
  await mkdir(join(dir, "data"));
  const keys: string[] = [];
  const log: string[] = [];
  for (let i = 0; i < users; i++) {
    const key = String(20000000 + i);
    keys.push(`  u${i}: ${key}`);
    emulator.addChat(TOKEN, { type: "private", ...person(i) });
    log.push(JSON.stringify({ type: "issued", key, bot: "main", chat_id: person(i).id, chat_type: "private", username: null, name: null, at: "2026-11-25T00:00:00.000Z" }));
  }
  await writeFile(join(dir, "data", "keys.log"), log.join("\n") + "\n");
  const config = [
    "listen: 127.0.0.1:0",
    "data_dir: ./data",
    "clients:",
    "  bench:",
    `    token: ${CLIENT_TOKEN}`,
    ...(options.client ?? []).map((line) => `    ${line}`),
    "bots:",
    "  main:",
    `    token: "${TOKEN}"`,
    `    api_url: http://127.0.0.1:${api.port}`,
    `    poll: "${options.poll ?? "0 0 1 1 *"}"`,
    "users:",
    ...keys,
    "groups:",
    `  everyone: [${Array.from({ length: users }, (_, i) => `u${i}`).join(", ")}]`,
  ].join("\n");
  await writeFile(join(dir, "config.yaml"), config + "\n");
  options.beforeStart?.(emulator);
  const spawnedAt = performance.now();
  // BENCH_PROFILE=DIR: the gateway writes a CPU profile (.cpuprofile and .md) there when it stops.
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${resolve(process.env.BENCH_PROFILE)}`] : [];
  const proc = Bun.spawn([process.execPath, ...profile, join(ROOT, "src/main.ts"), "serve", "-c", join(dir, "config.yaml")], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, TGSIGNAL_LOG: "info" },
  });
  const url = await readListenUrl(proc.stderr as ReadableStream<Uint8Array>);
  return {
    url,
    apiUrl: `http://127.0.0.1:${api.port}`,
    emulator,
    configFile: join(dir, "config.yaml"),
    pid: proc.pid,
    dataDir: join(dir, "data"),
    spawnedAt,
    firstCallAt: (method) => firstCalls.get(method),
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
      await api.stop(true);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function readListenUrl(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`gateway exited before listening:\n${text}`);
    text += decoder.decode(value, { stream: true });
    const match = /tgsignal started.*listen=(http:\/\/\S+)/.exec(text);
    if (match) {
      // Keep draining so the child never blocks on a full pipe.
      void (async () => {
        while (!(await reader.read()).done);
      })();
      return match[1]!;
    }
  }
}

/** Starts scripts/bench/_floor-server.ts (the bare durable-accept floor) in its own process. */
export async function startFloorServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-bench-floor-"));
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "_floor-server.ts"), dir], { stdout: "pipe", stderr: "inherit" });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  const url = /listening (\S+)/.exec(first)?.[1];
  if (!url) throw new Error(`floor server did not start: ${first}`);
  return {
    url,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs scripts/bench/_load.ts in its own process; returns its JSON summary. */
export async function runLoad(options: { url: string; seconds: number; connections: number; body: string; headers?: Record<string, string> }): Promise<LoadResult> {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "_load.ts"), JSON.stringify({ ...options, token: CLIENT_TOKEN })], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  return JSON.parse(out) as LoadResult;
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
}
