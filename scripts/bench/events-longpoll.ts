// Long polls of GET /events against a real server in its own process (_events-server.ts):
//   - 1,000 idle long polls (wait=60, each its own TCP connection, from a client whose
//     allow holds only a user who never writes): the server's RSS growth (goal ≤ 30 MB) and
//     its CPU while they wait (goal ~0: no more than as many idle keep-alive connections
//     cost the runtime, measured first as the reference);
//   - then events recorded one every 50 ms while those 1,000 stay waiting (each event wakes
//     them all; they re-check and keep waiting): from the event being durable to its
//     arrival at 10 waiting readers (the inbox-to-reader part of the goal p95 ≤ 50 ms; the
//     whole path, from the person's message through getUpdates and the conversation, is
//     two-way-latency.ts). The server's control listener records each one and
//     answers when record() resolved; both processes read the same wall clock.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { metric, waitForWaiters } from "./_events-reader.ts";
import { median, ms, percentile, printTable } from "./table.ts";

const IDLE = 1000;
const READERS = 10;
const EVENTS = 100;
const EVENT_INTERVAL_MS = 50;
/**
 * CPU is read over IDLE_WINDOWS windows of IDLE_WINDOW_MS and the median taken: an idle Bun
 * process spends its CPU in bursts (GC, the allocator's scavenger: 20-40 ms/s for a few
 * seconds about every half minute, then ~0), so one long window measured whether a burst
 * fell into it rather than what the connections cost.
 */
const IDLE_WINDOWS = 6;
const IDLE_WINDOW_MS = 2_000;

const READER = "bench-reader-token-0123456789";
const IDLE_READER = "bench-idle-token-0123456789a";

const wallNow = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tgs-bench-events-"));
  const server = Bun.spawn([process.execPath, join(import.meta.dir, "_events-server.ts"), dir, READER, IDLE_READER], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  try {
    const [, url = "", control = ""] = (await firstLine(server.stdout as ReadableStream<Uint8Array>)).split(" ");
    await warmUp(url);
    const rssBefore = await rssMb(server.pid);
    // The reference: as many open connections, idle after an answered request. What the
    // runtime spends keeping sockets is not the long poll's cost.
    const keepAlive = await openConnections(url, `GET /healthz HTTP/1.1\r\nHost: ${new URL(url).host}\r\n\r\n`);
    await Bun.sleep(1000);
    const keepAliveCpu = await cpuPerSecond(server.pid);
    keepAlive.close();
    await Bun.sleep(1000);
    const idle = await openConnections(url, `GET /events?wait=60 HTTP/1.1\r\nHost: ${new URL(url).host}\r\nAuthorization: Bearer ${IDLE_READER}\r\n\r\n`);
    await waitForWaiters(url, IDLE);
    await Bun.sleep(1000);
    const rssAfter = await rssMb(server.pid);
    const idleCpu = await cpuPerSecond(server.pid);

    const latencies = await measureLatency(url, control);
    const stillWaiting = await metric(url, "tgsignal_events_waiters");
    const answeredEarly = idle.answered();
    idle.close();
    printTable(`GET /events long polls (${IDLE} idle, then ${EVENTS} events to ${READERS} waiting readers)`, [
      { figure: `RSS growth with ${IDLE} idle long polls`, value: `${(rssAfter - rssBefore).toFixed(1)} MB`, goal: "≤ 30 MB", ok: rssAfter - rssBefore <= 30 },
      { figure: `server CPU, ${IDLE} idle keep-alive connections (reference; median of ${IDLE_WINDOWS} × ${IDLE_WINDOW_MS / 1000} s)`, value: `${keepAliveCpu.toFixed(1)} ms/s`, goal: "info" },
      { figure: `server CPU while ${IDLE} long polls wait (median of ${IDLE_WINDOWS} × ${IDLE_WINDOW_MS / 1000} s)`, value: `${idleCpu.toFixed(1)} ms/s`, goal: "~0: ≤ reference + 5", ok: idleCpu <= keepAliveCpu + 5 },
      { figure: "event durable → waiting reader, p50", value: ms(median(latencies)), goal: "info" },
      { figure: "event durable → waiting reader, p95", value: ms(percentile(latencies, 95)), goal: "≤ 50 ms", ok: percentile(latencies, 95) <= 50 },
      { figure: "max", value: ms(Math.max(...latencies)), goal: "info" },
      { figure: "idle polls answered early (with nothing)", value: String(answeredEarly), goal: "0", ok: answeredEarly === 0 },
      { figure: "waiters after the events", value: String(stillWaiting), goal: `${IDLE}`, ok: stillWaiting === IDLE },
    ]);
  } finally {
    server.kill("SIGKILL");
    await server.exited;
    await rm(dir, { recursive: true, force: true });
  }
}

/** JIT and allocator warm-up, so RSS before the idle polls is the server's steady state. */
async function warmUp(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) await (await fetch(`${url}/events?limit=1`, { headers: { Authorization: `Bearer ${READER}` } })).arrayBuffer();
  await Bun.sleep(500);
}

/** Raw HTTP/1.1, one TCP connection each (fetch would pool them); counts answers received. */
async function openConnections(url: string, request: string): Promise<{ answered(): number; close(): void }> {
  const { hostname, port } = new URL(url);
  let answered = 0;
  const sockets = await Promise.all(
    Array.from({ length: IDLE }, () =>
      Bun.connect({
        hostname,
        port: Number(port),
        socket: {
          open: (socket) => void socket.write(request),
          data: () => void answered++,
        },
      }),
    ),
  );
  return { answered: () => answered, close: () => sockets.forEach((socket) => socket.end()) };
}

async function cpuPerSecond(pid: number): Promise<number> {
  const windows: number[] = [];
  for (let i = 0; i < IDLE_WINDOWS; i++) {
    const start = await cpuMs(pid);
    await Bun.sleep(IDLE_WINDOW_MS);
    windows.push(((await cpuMs(pid)) - start) / (IDLE_WINDOW_MS / 1000));
  }
  return median(windows);
}

async function measureLatency(url: string, control: string): Promise<number[]> {
  const arrivals = new Map<string, number[]>();
  const stop = new AbortController();
  const readers = Array.from({ length: READERS }, () => pollForever(url, arrivals, stop.signal));
  await waitForWaiters(url, IDLE + READERS);
  const recordedAt = new Map<string, number>();
  for (let i = 0; i < EVENTS; i++) {
    const [id, at] = (await (await fetch(`${control}/record?user=ivanov`, { method: "POST" })).text()).split(" ");
    recordedAt.set(id!, Number(at));
    await Bun.sleep(EVENT_INTERVAL_MS);
  }
  while ([...recordedAt.keys()].some((id) => (arrivals.get(id)?.length ?? 0) < READERS)) await Bun.sleep(10);
  stop.abort();
  await Promise.allSettled(readers);
  return [...recordedAt].flatMap(([id, at]) => arrivals.get(id)!.map((arrived) => arrived - at));
}

async function pollForever(url: string, arrivals: Map<string, number[]>, signal: AbortSignal): Promise<void> {
  let after = "0";
  while (!signal.aborted) {
    const res = await fetch(`${url}/events?after=${after}&wait=60`, { headers: { Authorization: `Bearer ${READER}` }, signal });
    const { events } = (await res.json()) as { events: Array<{ id: string }> };
    const arrived = wallNow();
    for (const event of events) {
      if (!arrivals.has(event.id)) arrivals.set(event.id, []);
      arrivals.get(event.id)!.push(arrived);
      after = event.id;
    }
  }
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** User + system CPU time of the process, in ms (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The server's first line: "listening URL CONTROL_URL". */
async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes("\n")) return text.slice(0, text.indexOf("\n"));
  }
  throw new Error("the events server exited before listening");
}

if (import.meta.main) await main();
