// Key reply latency through the gateway (createGateway + addComponents, as `serve` does)
// and the fake Bot API: from the person's message to the bot's sendMessage reaching the
// API (goal p95 ≤ 500 ms). Requests come from distinct people at 10/s, under Telegram's
// 30 msg/s bot limit, on the default-for-benchmarks `* * * * * *` pattern. Run twice:
// quiet, and while another chat floods the bot (20 messages every 100 ms, mixed key
// requests and chatter). Real time, Telegram's real second. Measuring starts once the
// rate limiter's first second is over (after a start it serves each chat as if its
// burst was just spent: Telegram's counters outlive a restart).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGateway } from "../../src/gateway/app.ts";
import { addComponents } from "../../src/gateway/components.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { startFakeBotApi } from "../../test/fakes/fake-bot-api.ts";
import { median, ms, percentile, printTable } from "./table.ts";

const TOKEN = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const REQUESTS = 100;
const INTERVAL_MS = 100;
const FLOOD_TEXTS = ["/key", "hello", "my key", "/help", "what is this?"];

export async function main(pattern = "* * * * * *"): Promise<void> {
  const quiet = await measure(pattern, false);
  const flooded = await measure(pattern, true);
  printTable(`key reply latency (${REQUESTS} people, one every ${INTERVAL_MS} ms, poll "${pattern}")`, [
    { figure: "p50", value: ms(median(quiet.latencies)), goal: "info" },
    { figure: "p95", value: ms(percentile(quiet.latencies, 95)), goal: "≤ 500 ms", ok: percentile(quiet.latencies, 95) <= 500 },
    { figure: "max", value: ms(Math.max(...quiet.latencies)), goal: "info" },
    { figure: "p95 while another chat floods (20 msgs / 100 ms)", value: ms(percentile(flooded.latencies, 95)), goal: "≤ 500 ms", ok: percentile(flooded.latencies, 95) <= 500 },
    { figure: "replies to the flooding chat", value: `${flooded.floodReplies} for ${flooded.floodMessages} messages`, goal: "info" },
    { figure: "429 answers", value: String(quiet.tooMany + flooded.tooMany), goal: "0", ok: quiet.tooMany + flooded.tooMany === 0 },
  ]);
}

interface Measured {
  latencies: number[];
  tooMany: number;
  floodMessages: number;
  floodReplies: number;
}

async function measure(pattern: string, flood: boolean): Promise<Measured> {
  const api = await startFakeBotApi({ bots: [{ token: TOKEN, id: 111111, username: "signal_bot", first_name: "Signal" }] });
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-bench-reply-"));
  const file = join(dir, "config.yaml");
  await writeFile(file, `listen: 127.0.0.1:0\ndata_dir: ./data\nbots:\n  main:\n    token: "${TOKEN}"\n    poll: "${pattern}"\n    api_url: ${api.url}\n`);
  const load = () => loadConfigFile(bunPlatform, file, { env: {} });
  const gateway = createGateway({ platform: bunPlatform, log: createMemoryLogger("warn"), clock: systemClock, env: {} }, await load(), load);
  try {
    await addComponents(gateway);
    await gateway.start();
    while (!api.emulator.isPolling(TOKEN)) await Bun.sleep(10);
    await Bun.sleep(1100);
    const flooder = { id: 99_999, first_name: "Flood" };
    let floodMessages = 0;
    const flooding = flood
      ? setInterval(() => {
          for (let i = 0; i < 20; i++) api.emulator.userWrites({ token: TOKEN, from: flooder, text: FLOOD_TEXTS[floodMessages++ % FLOOD_TEXTS.length]! });
        }, INTERVAL_MS)
      : undefined;
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const chatId = 50_000 + i;
      const started = performance.now();
      const reply = api.emulator.waitForSent((m) => m.chat_id === chatId, 10_000);
      api.emulator.userWrites({ token: TOKEN, from: { id: chatId, first_name: `P${i}` }, text: "my key" });
      pending.push(reply.then(() => void latencies.push(performance.now() - started)));
      await Bun.sleep(INTERVAL_MS);
    }
    await Promise.all(pending);
    clearInterval(flooding);
    const floodReplies = api.emulator.sent(TOKEN).filter((m) => m.chat_id === flooder.id).length;
    return { latencies, tooMany: api.emulator.stats().tooManyRequests, floodMessages, floodReplies };
  } finally {
    await gateway.stop();
    await api.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main(process.argv[2]);
