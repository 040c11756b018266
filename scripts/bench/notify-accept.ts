// Accept rate of POST /notify with wait=0 (durable: every answer follows an fsync of the
// outbox; group commit shares one fsync between concurrent requests), beside the floor: a
// bare Bun server that parses the same JSON and appends one fsync'd line per request with
// group commit. Both run as child processes under the same load generator, alternately, and
// the ratio of medians is the figure that survives this machine's noise.
import { runLoad, startBenchGateway, startFloorServer } from "./_notify-setup.ts";
import { median, ms, printTable } from "./table.ts";

const ROUNDS = 3;
const SECONDS = 5;
const CONNECTIONS = 32;
const body = JSON.stringify({ to: "u7", text: "disk usage 91% on db1", wait: 0 });

const gateway = await startBenchGateway(50, false);
const floor = await startFloorServer();
const ours: Array<Awaited<ReturnType<typeof runLoad>>> = [];
const bare: Array<Awaited<ReturnType<typeof runLoad>>> = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(await runLoad({ url: floor.url, seconds: SECONDS, connections: CONNECTIONS, body }));
    ours.push(await runLoad({ url: `${gateway.url}/notify`, seconds: SECONDS, connections: CONNECTIONS, body }));
  }
} finally {
  await gateway.stop();
  await floor.stop();
}
const rate = median(ours.map((result) => result.perSecond));
const floorRate = median(bare.map((result) => result.perSecond));
const p99 = median(ours.map((result) => result.p99));
const statuses: Record<string, number> = {};
for (const result of ours) for (const [status, count] of Object.entries(result.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
printTable(`notify accept (wait=0, durable), ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s alternating with the floor; medians`, [
  { figure: "accepted requests/s", value: rate.toFixed(0), goal: "≥ 10000", ok: rate >= 10_000 },
  { figure: "floor: bare parse + fsync'd append, requests/s", value: floorRate.toFixed(0), goal: "informational" },
  { figure: "tgsignal / floor", value: (rate / floorRate).toFixed(2), goal: "≥ 0.6", ok: rate / floorRate >= 0.6 },
  { figure: "latency p50", value: ms(median(ours.map((result) => result.p50))), goal: "informational" },
  { figure: "latency p99", value: ms(p99), goal: "≤ 10 ms", ok: p99 <= 10 },
  { figure: "floor latency p99", value: ms(median(bare.map((result) => result.p99))), goal: "informational" },
  { figure: "answers", value: JSON.stringify(statuses), goal: "all 202" },
]);
