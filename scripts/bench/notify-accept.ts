// Accept rate of POST /notify with wait=0 (durable: every answer follows an fsync of the
// outbox; group commit shares one fsync between concurrent requests), beside the floor: a
// bare Bun server that parses the same JSON and appends one fsync'd line per request with
// group commit; and ntfy-style publishing (POST /{name}, text body and headers, answered
// once durably accepted), which must cost no more than /notify. All run as child processes
// under the same load generator, alternately, and the ratios of medians are the figures
// that survive this machine's noise.
import { runLoad, startBenchGateway, startFloorServer, type LoadResult } from "./_notify-setup.ts";
import { median, ms, printTable } from "./table.ts";

const ROUNDS = 3;
const SECONDS = 5;
const CONNECTIONS = 32;
const body = JSON.stringify({ to: "u7", text: "disk usage 91% on db1", wait: 0 });
// The same notification as /notify's (curl -d "…" $G/u7, ntfy's commonest form), so the
// ratio compares the routes, not the message: a title, priority and tags make a richer
// message whose extra markup costs the fake Bot API (in this process) more to parse.
const ntfyHeaders = { "Content-Type": "text/plain", ...(process.env.NTFY_RICH ? { Title: "db1", Priority: "high", Tags: "warning,db1" } : {}) };

const gateway = await startBenchGateway(50, false);
const floor = await startFloorServer();
const ours: LoadResult[] = [];
const ntfy: LoadResult[] = [];
const bare: LoadResult[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(await runLoad({ url: floor.url, seconds: SECONDS, connections: CONNECTIONS, body }));
    // Alternate which goes first: the outbox grows during the run, and neither may always get the fresher disk.
    const runs = [
      async () => ours.push(await runLoad({ url: `${gateway.url}/notify`, seconds: SECONDS, connections: CONNECTIONS, body })),
      async () => ntfy.push(await runLoad({ url: `${gateway.url}/u7`, seconds: SECONDS, connections: CONNECTIONS, body: "disk usage 91% on db1", headers: ntfyHeaders })),
    ];
    for (const run of round % 2 === 0 ? runs : runs.reverse()) await run();
  }
} finally {
  await gateway.stop();
  await floor.stop();
}
const rateOf = (results: LoadResult[]) => median(results.map((result) => result.perSecond));
const p99Of = (results: LoadResult[]) => median(results.map((result) => result.p99));
const answers = (results: LoadResult[]) => {
  const statuses: Record<string, number> = {};
  for (const result of results) for (const [status, count] of Object.entries(result.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  return JSON.stringify(statuses);
};
const rate = rateOf(ours);
const floorRate = rateOf(bare);
const ntfyRate = rateOf(ntfy);
printTable(`notify accept (wait=0, durable), ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s alternating with the floor; medians`, [
  { figure: "accepted requests/s", value: rate.toFixed(0), goal: "≥ 10000", ok: rate >= 10_000 },
  { figure: "floor: bare parse + fsync'd append, requests/s", value: floorRate.toFixed(0), goal: "informational" },
  { figure: "tgsignal / floor", value: (rate / floorRate).toFixed(2), goal: "≥ 0.6", ok: rate / floorRate >= 0.6 },
  { figure: "latency p50", value: ms(median(ours.map((result) => result.p50))), goal: "informational" },
  { figure: "latency p99", value: ms(p99Of(ours)), goal: "≤ 10 ms", ok: p99Of(ours) <= 10 },
  { figure: "floor latency p99", value: ms(p99Of(bare)), goal: "informational" },
  { figure: "answers", value: answers(ours), goal: "all 202" },
  { figure: "ntfy POST /{name}: accepted requests/s", value: ntfyRate.toFixed(0), goal: "≥ 10000", ok: ntfyRate >= 10_000 },
  { figure: "ntfy / notify", value: (ntfyRate / rate).toFixed(2), goal: "≥ 0.9 (no dearer)", ok: ntfyRate / rate >= 0.9 },
  { figure: "ntfy latency p99", value: ms(p99Of(ntfy)), goal: "≤ 10 ms", ok: p99Of(ntfy) <= 10 },
  { figure: "ntfy answers", value: answers(ntfy), goal: "all 200" },
]);
