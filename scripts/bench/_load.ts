// A small closed-loop HTTP load generator (like autocannon -c N -d S), run as its own
// process by the benchmarks: N connections each POST, wait for the answer, repeat.
import { percentile } from "./table.ts";

const { url, seconds, connections, body, token, headers: extra = {} } = JSON.parse(process.argv[2] ?? "{}") as {
  url: string;
  seconds: number;
  connections: number;
  body: string;
  token: string;
  /** Replace or add headers (e.g. ntfy's text body and Title). */
  headers?: Record<string, string>;
};
const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...extra };
const latencies: number[] = [];
const statuses: Record<string, number> = {};

async function worker(until: number): Promise<void> {
  while (performance.now() < until) {
    const started = performance.now();
    const res = await fetch(url, { method: "POST", headers, body });
    await res.arrayBuffer();
    latencies.push(performance.now() - started);
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  }
}

// Warm up (JIT, connections), then measure.
await Promise.all(Array.from({ length: connections }, () => worker(performance.now() + 1000)));
latencies.length = 0;
for (const key of Object.keys(statuses)) delete statuses[key];
const started = performance.now();
await Promise.all(Array.from({ length: connections }, () => worker(started + seconds * 1000)));
const elapsed = (performance.now() - started) / 1000;
console.log(JSON.stringify({ requests: latencies.length, perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses }));
