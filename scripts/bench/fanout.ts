// Fan-out: one notification to a group of 1,000 people against a fake Bot API that
// enforces Telegram's limits (30/s per bot). Goal: ≥ 95 % of 30 msg/s and zero 429s.
import { CLIENT_TOKEN, startBenchGateway } from "./_notify-setup.ts";
import { printTable } from "./table.ts";

const N = 1000;
const gateway = await startBenchGateway(N, {});
try {
  const res = await fetch(`${gateway.url}/notify`, {
    method: "POST",
    headers: { Authorization: `Bearer ${CLIENT_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ to: "everyone", text: "maintenance tonight at 22:00", wait: 0 }),
  });
  if (res.status !== 202) throw new Error(`notify answered ${res.status}: ${await res.text()}`);
  const deadline = Date.now() + 90_000;
  while (gateway.emulator.sent().length < N && Date.now() < deadline) await Bun.sleep(200);
  const sent = gateway.emulator.sent();
  const seconds = (sent.at(-1)!.at - sent[0]!.at) / 1000;
  const rate = (sent.length - 1) / seconds;
  const tooMany = gateway.emulator.stats().tooManyRequests;
  printTable(`fan-out to ${N} recipients, Telegram limits enforced`, [
    { figure: "delivered", value: `${sent.length} / ${N}`, goal: `${N}`, ok: sent.length === N },
    { figure: "messages/s", value: rate.toFixed(1), goal: "≥ 28.5 (95 % of 30)", ok: rate >= 28.5 },
    { figure: "429 answers", value: String(tooMany), goal: "0", ok: tooMany === 0 },
  ]);
} finally {
  await gateway.stop();
}
