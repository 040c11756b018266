// Accepting a 50 MiB upload: the gateway (`tgsignal serve`, a child process) streams it to
// data_dir/files (sha256, fsync, rename) before answering. Goals: its RSS grows by at most
// 20 MB while it takes the file (the file is never held whole), and the upload reaches the
// disk at ≥ 200 MB/s. The warm-up's delivery uploads the file to the fake Telegram once;
// every later notification of the same file goes by its file_id, so what is measured is
// the accept (an upload to Telegram builds its whole multipart request in memory: Bun's
// fetch buffers FormData). RSS is sampled from /proc/<pid>/status every 2 ms; each figure
// is the median of 5 uploads after the warm-up. For scale, the same is measured on a bare
// Bun.serve that only writes the body to a file (_upload-floor-server.ts): Bun buffers a
// fast client's body in ~0.5 MiB chunks, so part of the growth is the runtime's own. The
// machine's disk is shared: its raw write + fsync rate for the same bytes is printed too.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mkdtemp, open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { CLIENT_TOKEN, startBenchGateway } from "./_notify-setup.ts";
import { median, printTable } from "./table.ts";

const SIZE = 50 * 1024 * 1024;
const RUNS = 5;

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** Runs `upload` while sampling the gateway's RSS; its peak growth over the RSS just before, and the time taken. */
async function measure(pid: number, upload: () => Promise<Response>): Promise<{ growth: number; ms: number; status: number }> {
  Bun.gc(true);
  await Bun.sleep(200);
  const before = await rssOf(pid);
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssOf(pid));
      await Bun.sleep(2);
    }
  })();
  const started = performance.now();
  const res = await upload();
  await res.arrayBuffer();
  const ms = performance.now() - started;
  sampling = false;
  await sampler;
  return { growth: peak - before, ms, status: res.status };
}

/** The disk's own rate for the same bytes, 1 MiB writes and an fsync: the shared machine's ceiling now. */
async function diskRate(bytes: Uint8Array, path: string): Promise<number> {
  const rates = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const handle = await open(path, "w");
    for (let at = 0; at < bytes.length; at += 1 << 20) await handle.write(bytes.subarray(at, at + (1 << 20)));
    await handle.sync();
    await handle.close();
    rates.push(bytes.length / 1e6 / ((performance.now() - started) / 1000));
  }
  await rm(path, { force: true });
  return median(rates);
}

async function floorServer(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-bench-upload-floor-"));
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "_upload-floor-server.ts"), dir], { stdout: "pipe", stderr: "inherit" });
  const first = new TextDecoder().decode((await (proc.stdout as ReadableStream<Uint8Array>).getReader().read()).value);
  const url = /listening (\S+)/.exec(first)?.[1];
  if (!url) throw new Error(`the floor server did not start: ${first}`);
  return {
    url,
    pid: proc.pid,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const gateway = await startBenchGateway(1, false);
const file = join(gateway.dataDir, "..", "upload.bin");
try {
  const bytes = new Uint8Array(SIZE);
  crypto.getRandomValues(bytes.subarray(0, 65536));
  for (let at = 65536; at < SIZE; at += 65536) bytes.copyWithin(at, 0, 65536);
  await writeFile(file, bytes);
  const auth = { Authorization: `Bearer ${CLIENT_TOKEN}` };
  const raw = (wait = 0) => fetch(`${gateway.url}/notify/u0?wait=${wait}`, { method: "PUT", headers: { ...auth, Filename: "backup.bin" }, body: Bun.file(file) });
  // A multipart body written to a file once and sent from disk (Bun's fetch would build a FormData in memory first).
  const boundary = "tgsignal-bench-boundary";
  const formFile = `${file}.form`;
  await writeFile(formFile, Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="to"\r\n\r\nu0\r\n--${boundary}\r\nContent-Disposition: form-data; name="wait"\r\n\r\n0\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="backup.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]));
  const multipart = () => fetch(`${gateway.url}/notify`, { method: "POST", headers: { ...auth, "Content-Type": `multipart/form-data; boundary=${boundary}` }, body: Bun.file(formFile) });
  // Warm-up: JIT, buffers, the data dir, and the file's one upload to Telegram.
  if ((await measure(gateway.pid, () => raw(30))).status !== 200) throw new Error("the warm-up was not delivered");
  const rows = [];
  for (const [name, upload] of [["raw body (PUT, Filename)", raw], ["multipart/form-data", multipart]] as const) {
    const runs = [];
    for (let run = 0; run < RUNS; run++) runs.push(await measure(gateway.pid, upload));
    if (runs.some((r) => r.status !== 202)) throw new Error(`${name}: answered ${runs.map((r) => r.status).join(", ")}`);
    const growth = median(runs.map((r) => r.growth)) / 1e6;
    const worst = Math.max(...runs.map((r) => r.growth)) / 1e6;
    const rate = SIZE / 1e6 / (median(runs.map((r) => r.ms)) / 1000);
    rows.push(
      { figure: `${name}: RSS growth, median (worst)`, value: `${growth.toFixed(1)} MB (${worst.toFixed(1)})`, goal: "≤ 20 MB", ok: growth <= 20 },
      { figure: `${name}: to disk, fsynced`, value: `${rate.toFixed(0)} MB/s`, goal: "≥ 200 MB/s", ok: rate >= 200 },
    );
  }
  const floor = await floorServer();
  try {
    const runs = [];
    for (let run = 0; run < RUNS; run++) runs.push(await measure(floor.pid, () => fetch(floor.url, { method: "PUT", body: Bun.file(file) })));
    const growth = median(runs.map((r) => r.growth)) / 1e6;
    const rate = SIZE / 1e6 / (median(runs.map((r) => r.ms)) / 1000);
    rows.push({ figure: "floor: bare Bun.serve writing the body to a file", value: `${growth.toFixed(1)} MB, ${rate.toFixed(0)} MB/s`, goal: "(reference)" });
  } finally {
    await floor.stop();
  }
  rows.push({ figure: "the disk itself: write + fsync of 50 MiB, median of 5", value: `${(await diskRate(bytes, join(gateway.dataDir, "disk-probe.bin"))).toFixed(0)} MB/s`, goal: "(reference)" });
  printTable(`accepting a 50 MiB upload (${RUNS} runs each; RSS of the gateway process)`, rows);
} finally {
  await gateway.stop();
  await rm(file, { force: true });
  await rm(`${file}.form`, { force: true });
}
