// Accept rate of POST /notify with wait=0 (durable: every answer follows an fsync of the
// outbox; group commit shares one fsync between concurrent requests).
import { runLoad, startBenchGateway } from "./_notify-setup.ts";
import { ms, printTable } from "./table.ts";

const gateway = await startBenchGateway(50, false);
try {
  const body = JSON.stringify({ to: "u7", text: "disk usage 91% on db1", wait: 0 });
  const result = await runLoad({ url: `${gateway.url}/notify`, seconds: 10, connections: 32, body });
  printTable("notify accept (wait=0, durable), 32 connections, 10 s", [
    { figure: "accepted requests/s", value: result.perSecond.toFixed(0), goal: "≥ 10000", ok: result.perSecond >= 10_000 },
    { figure: "latency p50", value: ms(result.p50), goal: "informational" },
    { figure: "latency p99", value: ms(result.p99), goal: "≤ 10 ms", ok: result.p99 <= 10 },
    { figure: "answers", value: JSON.stringify(result.statuses), goal: "all 202" },
  ]);
} finally {
  await gateway.stop();
}
