// Start of the gateway to the first /healthz 200, idle RSS and binary size, for the
// compiled binary (npm run build first), `bun src/main.ts` and `deno run -A src/main.ts`.
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { median, ms, printTable, type Row } from "./table.ts";

const ROOT = resolve(import.meta.dir, "../..");
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const RUNTIMES: Record<string, string[]> = {
  binary: [join(ROOT, "dist/tgsignal")],
  bun: [join(ROOT, "node_modules/.bin/bun"), join(ROOT, "src/main.ts")],
  deno: [join(ROOT, "node_modules/.bin/deno"), "run", "-A", join(ROOT, "src/main.ts")],
};

let nextPort = 18_900;

async function startOnce(argv: string[]): Promise<{ readyMs: number; rssMb: number }> {
  const dir = await mkdtemp(join(tmpdir(), "tgs-bench-"));
  const port = nextPort++;
  const file = join(dir, "config.yaml");
  await writeFile(file, `listen: 127.0.0.1:${port}\nusers:\n  ivanov: 48213977\n`);
  const started = performance.now();
  const proc = Bun.spawn([...argv, "serve", "-c", file], { cwd: ROOT, stdout: "ignore", stderr: "ignore", env: { ...process.env, TGSIGNAL_LOG: "warn" } });
  let readyMs = NaN;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) {
        readyMs = performance.now() - started;
        break;
      }
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 20_000 || proc.exitCode !== null) break;
    await Bun.sleep(2);
  }
  await Bun.sleep(1000); // let it settle to idle before reading RSS
  const rssMb = await readRssMb(proc.pid);
  proc.kill("SIGTERM");
  await proc.exited;
  await rm(dir, { recursive: true, force: true });
  return { readyMs, rssMb };
}

async function readRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

const rows: Row[] = [];
for (const [name, argv] of Object.entries(RUNTIMES)) {
  if (name === "binary" && !existsSync(argv[0]!)) {
    rows.push({ figure: "binary", value: "missing: run npm run build", goal: "" });
    continue;
  }
  const ready: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const result = await startOnce(argv);
    ready.push(result.readyMs);
    rss.push(result.rssMb);
  }
  const isBinary = name === "binary";
  rows.push({ figure: `${name}: start → /healthz 200 (median of ${RUNS})`, value: ms(median(ready)), goal: isBinary ? "≤ 150 ms" : "compare", ok: isBinary ? median(ready) <= 150 : undefined });
  rows.push({ figure: `${name}: idle RSS`, value: `${median(rss).toFixed(1)} MB`, goal: isBinary ? "≤ 70 MB" : "compare", ok: isBinary ? median(rss) <= 70 : undefined });
}
const binary = RUNTIMES.binary![0]!;
if (existsSync(binary)) rows.push({ figure: "binary size", value: `${(statSync(binary).size / 1024 / 1024).toFixed(1)} MiB`, goal: "info" });
printTable("startup and footprint", rows);
