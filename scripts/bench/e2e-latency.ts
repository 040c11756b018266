// End-to-end latency: POST /notify (wait for delivery) through the gateway, against a
// direct sendMessage to the same fake Bot API, which adds a fixed delay to emulate
// Telegram's round trip. Requests are sequential and spread over many chats, so Telegram's
// rate limits do not come into play.
import { CLIENT_TOKEN, startBenchGateway, TOKEN } from "./_notify-setup.ts";
import { median, ms, percentile, printTable } from "./table.ts";

const RTT_MS = 40;
const N = 150;
const gateway = await startBenchGateway(N, false);
gateway.emulator.setDelay(RTT_MS);
try {
  const direct: number[] = [];
  const through: number[] = [];
  for (let i = 0; i < N; i++) {
    const started = performance.now();
    const res = await fetch(`${gateway.apiUrl}/bot${TOKEN}/sendMessage`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ chat_id: 100000 + i, text: "direct" }),
    });
    await res.arrayBuffer();
    direct.push(performance.now() - started);
  }
  for (let i = 0; i < N; i++) {
    const started = performance.now();
    const res = await fetch(`${gateway.url}/notify`, {
      method: "POST",
      headers: { Authorization: `Bearer ${CLIENT_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ to: `u${i}`, text: "through the gateway" }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`notify answered ${res.status}`);
    through.push(performance.now() - started);
  }
  const goal = 1.1 * median(direct) + 2;
  printTable(`end-to-end latency, fake Bot API round trip ${RTT_MS} ms, ${N} sequential notifications`, [
    { figure: "direct sendMessage p50", value: ms(median(direct)), goal: "baseline" },
    { figure: "through the gateway p50", value: ms(median(through)), goal: `≤ ${ms(goal)} (1.1× + 2 ms)`, ok: median(through) <= goal },
    { figure: "through the gateway p99", value: ms(percentile(through, 99)), goal: "informational" },
  ]);
} finally {
  await gateway.stop();
}
