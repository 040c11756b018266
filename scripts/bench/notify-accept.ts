// Accept rate of POST /notify with wait=0 (durable: every answer follows an fsync of the
// outbox; group commit shares one fsync between concurrent requests), beside the floor: a
// bare Bun server that parses the same JSON and appends one fsync'd line per request with
// group commit; and ntfy-style publishing (POST /{name}, text body and headers, answered
// once durably accepted), which must cost no more than /notify. All run as child processes
// under the same load generator, alternately, and the ratios of medians are the figures
// that survive this machine's noise.
// A last run each round has events flowing meanwhile (issue 9: accept stays ≥ 10,000/s):
// people write PEOPLE_PER_SECOND messages a second to the bot (its poller is listening,
// each message becomes an event in inbox.log and a 👌 in the rate limiter's queue) and a
// client long-polls GET /events; its ratio to the quiet run is printed.
import { readEvents } from "./_events-reader.ts";
import { CLIENT_TOKEN, person, runLoad, startBenchGateway, startFloorServer, TOKEN, type BenchGateway, type LoadResult } from "./_notify-setup.ts";
import { median, ms, printTable } from "./table.ts";

const ROUNDS = 3;
const SECONDS = 5;
const CONNECTIONS = 32;
const PEOPLE = 50;
const PEOPLE_PER_SECOND = 200;
const WRITE_EVERY_MS = 50;
const body = JSON.stringify({ to: "u7", text: "disk usage 91% on db1", wait: 0 });
// The same notification as /notify's (curl -d "…" $G/u7, ntfy's commonest form), so the
// ratio compares the routes, not the message: a title, priority and tags make a richer
// message whose extra markup costs the fake Bot API (in this process) more to parse.
const ntfyHeaders = { "Content-Type": "text/plain", ...(process.env.NTFY_RICH ? { Title: "db1", Priority: "high", Tags: "warning,db1" } : {}) };

const gateway = await startBenchGateway(PEOPLE, false, { poll: "* * * * *", client: ["receive: true"] });
const floor = await startFloorServer();
const ours: LoadResult[] = [];
const ntfy: LoadResult[] = [];
const busy: LoadResult[] = [];
const bare: LoadResult[] = [];
const flows: Array<{ written: number; read: number; seconds: number }> = [];
try {
  while (!gateway.emulator.isPolling(TOKEN)) await Bun.sleep(10);
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(await runLoad({ url: floor.url, seconds: SECONDS, connections: CONNECTIONS, body }));
    // Alternate which goes first: the outbox grows during the run, and neither may always get the fresher disk.
    const runs = [
      async () => ours.push(await runLoad({ url: `${gateway.url}/notify`, seconds: SECONDS, connections: CONNECTIONS, body })),
      async () => ntfy.push(await runLoad({ url: `${gateway.url}/u7`, seconds: SECONDS, connections: CONNECTIONS, body: "disk usage 91% on db1", headers: ntfyHeaders })),
    ];
    for (const run of round % 2 === 0 ? runs : runs.reverse()) await run();
    const flow = startFlow(gateway);
    busy.push(await runLoad({ url: `${gateway.url}/notify`, seconds: SECONDS, connections: CONNECTIONS, body }));
    flows.push(await flow.stop());
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
const busyRate = rateOf(busy);
// Each busy run beside the quiet run of its round: the pair shares the machine's load of the moment.
const busyRatio = median(busy.map((result, round) => result.perSecond / ours[round]!.perSecond));
const eventsPerSecond = median(flows.map((flow) => flow.written / flow.seconds));
const written = flows.reduce((sum, flow) => sum + flow.written, 0);
const read = flows.reduce((sum, flow) => sum + flow.read, 0);
printTable(`notify accept (wait=0, durable), ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s alternating with the floor, ntfy, and a run while events flow; medians`, [
  { figure: "accepted requests/s", value: rate.toFixed(0), goal: "≥ 10000", ok: rate >= 10_000 },
  { figure: "floor: bare parse + fsync'd append, requests/s", value: floorRate.toFixed(0), goal: "informational" },
  { figure: "tgsignal / floor", value: (rate / floorRate).toFixed(2), goal: "≥ 0.6", ok: rate / floorRate >= 0.6 },
  { figure: "latency p50", value: ms(median(ours.map((result) => result.p50))), goal: "informational" },
  { figure: "latency p99", value: ms(p99Of(ours)), goal: "≤ 10 ms", ok: p99Of(ours) <= 10 },
  { figure: "floor latency p99", value: ms(p99Of(bare)), goal: "informational" },
  { figure: "answers", value: answers([...ours, ...busy]), goal: "all 202" },
  { figure: "ntfy POST /{name}: accepted requests/s", value: ntfyRate.toFixed(0), goal: "≥ 10000", ok: ntfyRate >= 10_000 },
  { figure: "ntfy / notify", value: (ntfyRate / rate).toFixed(2), goal: "≥ 0.9 (no dearer)", ok: ntfyRate / rate >= 0.9 },
  { figure: "ntfy latency p99", value: ms(p99Of(ntfy)), goal: "≤ 10 ms", ok: p99Of(ntfy) <= 10 },
  { figure: "ntfy answers", value: answers(ntfy), goal: "all 200" },
  { figure: `while events flow (${eventsPerSecond.toFixed(0)} messages/s, GET /events long-polled): requests/s`, value: busyRate.toFixed(0), goal: "≥ 10000", ok: busyRate >= 10_000 },
  { figure: "while events flow / quiet (median of the rounds' ratios)", value: busyRatio.toFixed(2), goal: "informational" },
  { figure: "while events flow: latency p99", value: ms(p99Of(busy)), goal: "informational" },
  { figure: "events read by the long poll / messages written", value: `${read} / ${written}`, goal: "all", ok: read === written },
]);

/** People writing steadily, and a client long-polling GET /events, until stop(). */
function startFlow(gateway: BenchGateway): { stop(): Promise<{ written: number; read: number; seconds: number }> } {
  const started = performance.now();
  let written = 0;
  let read = 0;
  const perTick = (PEOPLE_PER_SECOND * WRITE_EVERY_MS) / 1000;
  const writer = setInterval(() => {
    for (let i = 0; i < perTick; i++, written++) gateway.emulator.userWrites({ token: TOKEN, from: person(written % PEOPLE), text: `status ${written}` });
  }, WRITE_EVERY_MS);
  const reading = new AbortController();
  // From the newest event on: the earlier rounds' events are not this round's flow.
  const reader = lastEventId(gateway).then((after) => readEvents({ url: gateway.url, token: CLIENT_TOKEN, after, onEvents: (events) => void (read += events.length), signal: reading.signal }));
  return {
    async stop() {
      clearInterval(writer);
      const seconds = (performance.now() - started) / 1000;
      // The events written last are given a moment to arrive before the reader stops.
      await Bun.sleep(500);
      reading.abort();
      await reader;
      return { written, read, seconds };
    },
  };
}

/** The newest event id (the reader of a round starts after it). */
async function lastEventId(gateway: BenchGateway): Promise<string> {
  let after = "0";
  for (;;) {
    const res = await fetch(`${gateway.url}/events?after=${after}&limit=1000`, { headers: { Authorization: `Bearer ${CLIENT_TOKEN}` } });
    const { events } = (await res.json()) as { events: Array<{ id: string }> };
    if (events.length === 0) return after;
    after = events.at(-1)!.id;
  }
}
