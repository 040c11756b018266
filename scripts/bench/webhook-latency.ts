// Webhook latency: from an event recorded in the inbox to a local receiver getting its
// POST (goal p95 ≤ 100 ms), through the gateway as `serve` wires it (createGateway +
// addWebhooks, cursor files on disk, signature checked by the receiver). Paced: one event
// every 20 ms, as people write. Then a burst of 200 at once: one POST at a time, each
// after the previous was acknowledged and its cursor saved (fsync), so the burst shows
// the per-event cost. The inbox is the in-memory InboxStore of the tests until the
// file-backed one is wired: its own append (fsync) comes before "recorded".
import { createHmac } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGateway } from "../../src/gateway/app.ts";
import { addWebhooks } from "../../src/gateway/webhooks.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { ScriptedInbox } from "../../test/fakes/scripted-inbox.ts";
import { median, ms, percentile, printTable } from "./table.ts";

const SECRET = "bench-webhook-secret-0123456789";
const PACED = 200;
const INTERVAL_MS = 20;
const BURST = 200;

export async function main(): Promise<void> {
  const recordedAt = new Map<string, number>();
  const latencies: number[] = [];
  let badSignatures = 0;
  let onArrival: (id: string) => void = () => {};
  const receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const body = new Uint8Array(await req.arrayBuffer());
      const id = req.headers.get("x-tgsignal-event")!;
      if (req.headers.get("x-tgsignal-signature") !== `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`) badSignatures++;
      latencies.push(performance.now() - recordedAt.get(id)!);
      onArrival(id);
      return new Response(null, { status: 204 });
    },
  });
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-bench-webhook-"));
  const file = join(dir, "config.yaml");
  await writeFile(file, `data_dir: ./data\nclients:\n  erp:\n    token: erp-token-0123456789abcdef\n    webhook:\n      url: http://127.0.0.1:${receiver.port}/hook\n      secret: ${SECRET}\n`);
  const load = () => loadConfigFile(bunPlatform, file, { env: {} });
  const gateway = createGateway({ platform: bunPlatform, log: createMemoryLogger("warn"), clock: systemClock, env: {} }, await load(), load);
  const inbox = new ScriptedInbox();
  addWebhooks(gateway, inbox);
  try {
    await gateway.start();
    const arrived = (count: number) => new Promise<void>((resolve) => (onArrival = () => latencies.length >= count && resolve()));
    const record = (i: number) => {
      const event = inbox.add("ivanov", `message ${i}`);
      recordedAt.set(event.id, performance.now());
    };
    // Warm-up: the first POST opens the connection.
    const warm = arrived(1);
    record(0);
    await warm;
    latencies.length = 0;

    const paced = arrived(PACED);
    for (let i = 1; i <= PACED; i++) {
      record(i);
      await Bun.sleep(INTERVAL_MS);
    }
    await paced;
    const pacedLatencies = latencies.splice(0);

    const burstDone = arrived(BURST);
    const burstStart = performance.now();
    for (let i = 1; i <= BURST; i++) record(PACED + i);
    await burstDone;
    const burstMs = performance.now() - burstStart;

    printTable(`webhook latency (local receiver; ${PACED} events one every ${INTERVAL_MS} ms, then a burst of ${BURST})`, [
      { figure: "recorded → received p50", value: ms(median(pacedLatencies)), goal: "info" },
      { figure: "recorded → received p95", value: ms(percentile(pacedLatencies, 95)), goal: "≤ 100 ms", ok: percentile(pacedLatencies, 95) <= 100 },
      { figure: "recorded → received max", value: ms(Math.max(...pacedLatencies)), goal: "info" },
      { figure: `burst of ${BURST}: all received`, value: ms(burstMs), goal: "info" },
      { figure: "burst: per event (POST + cursor fsync)", value: ms(burstMs / BURST), goal: "info" },
      { figure: "bad signatures", value: String(badSignatures), goal: "0", ok: badSignatures === 0 },
    ]);
  } finally {
    await gateway.stop();
    await receiver.stop(true);
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
