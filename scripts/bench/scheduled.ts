// Scheduled delivery: how fast notifications with `delay` are accepted (durable, like
// notify-accept), what tens of thousands of them waiting cost the gateway (RSS, /healthz),
// and how late the ones that fall due go out while they wait: the goal is within a second
// of the due time. The fake Bot API enforces no limits; the gateway keeps Telegram's.
import { readFile } from "node:fs/promises";
import { CLIENT_TOKEN, runLoad, startBenchGateway } from "./_notify-setup.ts";
import { median, ms, percentile, printTable } from "./table.ts";

const SECONDS = 5;
const CONNECTIONS = 32;
const ON_TIME = 20;
const headers = { Authorization: `Bearer ${CLIENT_TOKEN}`, "Content-Type": "application/json" };

const rssMb = async (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN) / 1024;

const gateway = await startBenchGateway(50, false);
try {
  const idleRss = await rssMb(gateway.pid);
  const load = await runLoad({ url: `${gateway.url}/notify`, seconds: SECONDS, connections: CONNECTIONS, body: JSON.stringify({ to: "u7", text: "reminder: invoice 1042", delay: "1d" }) });
  const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
  const waiting = Number(/^tgsignal_outbox_scheduled (\d+)$/m.exec(metrics)?.[1]);
  const loadedRss = await rssMb(gateway.pid);
  const health: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    await (await fetch(`${gateway.url}/healthz`)).arrayBuffer();
    health.push(performance.now() - started);
  }

  // While those wait, 20 more fall due 100 ms apart, each to its own chat.
  const base = Date.now() + 2000;
  const due = new Map<number, number>();
  for (let i = 0; i < ON_TIME; i++) {
    const at = base + i * 100;
    due.set(100000 + 10 + i, at);
    const res = await fetch(`${gateway.url}/notify`, { method: "POST", headers, body: JSON.stringify({ to: `u${10 + i}`, text: `due ${i}`, at: new Date(at).toISOString() }) });
    if (res.status !== 202) throw new Error(`notify answered ${res.status}: ${await res.text()}`);
  }
  const deadline = Date.now() + 30_000;
  while (gateway.emulator.sent().length < ON_TIME && Date.now() < deadline) await Bun.sleep(50);
  const late = gateway.emulator.sent().map((message) => message.at - due.get(message.chat_id)!);
  printTable(`scheduled delivery: ${CONNECTIONS} connections × ${SECONDS} s of delay=1d, then ${ON_TIME} due 100 ms apart`, [
    { figure: "scheduled accepts/s (durable)", value: load.perSecond.toFixed(0), goal: "informational (notify-accept: ≥ 10000)" },
    { figure: "accept latency p99", value: ms(load.p99), goal: "informational" },
    { figure: "answers", value: JSON.stringify(load.statuses), goal: "all 202" },
    { figure: "notifications waiting (tgsignal_outbox_scheduled)", value: String(waiting), goal: "informational" },
    { figure: "RSS idle → with them waiting", value: `${idleRss.toFixed(0)} → ${loadedRss.toFixed(0)} MB`, goal: "informational" },
    { figure: "/healthz p50 with them waiting", value: ms(median(health)), goal: "informational" },
    { figure: "delivered on time", value: `${late.length} / ${ON_TIME}`, goal: `${ON_TIME}`, ok: late.length === ON_TIME },
    { figure: "lateness after the due time p50", value: ms(median(late)), goal: "informational" },
    { figure: "lateness max", value: ms(Math.max(...late)), goal: "≤ 1000 ms", ok: Math.max(...late) <= 1000 },
    { figure: "sent before the due time", value: String(late.filter((value) => value < 0).length), goal: "0", ok: late.every((value) => value >= 0) },
    { figure: "lateness p90", value: ms(percentile(late, 90)), goal: "informational" },
  ]);
} finally {
  await gateway.stop();
}
