// Webhook latency, the whole path (goal p95 ≤ 100 ms): from a person's message (userWrites
// in the fake Bot API, this process) through `tgsignal serve` (its own process: getUpdates
// long poll, the conversation, inbox.log fsynced, the client's pusher with its cursor file)
// to a local receiver (this process) getting the signed POST; the receiver checks the
// signature. Paced: MESSAGES messages from PEOPLE people, one every INTERVAL_MS. Then a
// burst of BURST written at once: the pusher POSTs one event at a time, each after the
// previous was acknowledged and its cursor saved, so the burst shows the per-event cost.
import { createHmac } from "node:crypto";
import { person, startBenchGateway, TOKEN } from "./_notify-setup.ts";
import { median, ms, percentile, printTable } from "./table.ts";

const SECRET = "bench-webhook-secret-0123456789";
const PEOPLE = 50;
const WARM_UP = 20;
const MESSAGES = 200;
const INTERVAL_MS = 50;
const BURST = 200;

export async function main(): Promise<void> {
  /** performance.now() when each message was written, by "chat:message". */
  const writtenAt = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  let badSignatures = 0;
  let onArrival = () => {};
  const receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const body = new Uint8Array(await req.arrayBuffer());
      const arrived = performance.now();
      if (req.headers.get("x-tgsignal-signature") !== `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`) badSignatures++;
      const event = JSON.parse(new TextDecoder().decode(body)) as { chat_id: number; message_id: number };
      latencies.push(arrived - writtenAt.get(`${event.chat_id}:${event.message_id}`)!);
      received++;
      onArrival();
      return new Response(null, { status: 204 });
    },
  });
  const client = ["webhook:", `  url: http://127.0.0.1:${receiver.port}/hook`, `  secret: ${SECRET}`];
  const gateway = await startBenchGateway(PEOPLE, {}, { poll: "* * * * *", client });
  const arrived = (count: number) =>
    new Promise<void>((resolve) => {
      onArrival = () => received >= count && resolve();
      onArrival();
    });
  let written = 0;
  const write = () => {
    const i = written++;
    const at = performance.now();
    const { message } = gateway.emulator.userWrites({ token: TOKEN, from: person(i % PEOPLE), text: `where is invoice ${i}?` });
    writtenAt.set(`${message!.chat.id}:${message!.message_id}`, at);
  };
  try {
    while (!gateway.emulator.isPolling(TOKEN)) await Bun.sleep(10);
    // Warm-up: JIT, and the pusher's connection to the receiver.
    for (let i = 0; i < WARM_UP; i++) {
      write();
      await Bun.sleep(INTERVAL_MS);
    }
    await arrived(WARM_UP);
    latencies.length = 0;

    for (let i = 0; i < MESSAGES; i++) {
      write();
      await Bun.sleep(INTERVAL_MS);
    }
    await arrived(WARM_UP + MESSAGES);
    const paced = latencies.splice(0);

    const burstStart = performance.now();
    for (let i = 0; i < BURST; i++) write();
    await arrived(WARM_UP + MESSAGES + BURST);
    const burstMs = performance.now() - burstStart;
    const tooMany = gateway.emulator.stats().tooManyRequests;

    printTable(`webhook latency through tgsignal serve (local receiver; ${MESSAGES} messages from ${PEOPLE} people, one every ${INTERVAL_MS} ms, then a burst of ${BURST})`, [
      { figure: "person's message → webhook received, p50", value: ms(median(paced)), goal: "info" },
      { figure: "person's message → webhook received, p95", value: ms(percentile(paced, 95)), goal: "≤ 100 ms", ok: percentile(paced, 95) <= 100 },
      { figure: "person's message → webhook received, max", value: ms(Math.max(...paced)), goal: "info" },
      { figure: `burst of ${BURST} messages: all received`, value: ms(burstMs), goal: "info" },
      { figure: "burst: per event (POST + cursor save)", value: ms(burstMs / BURST), goal: "info" },
      { figure: "bad signatures", value: String(badSignatures), goal: "0", ok: badSignatures === 0 },
      { figure: "429 answers", value: String(tooMany), goal: "0", ok: tooMany === 0 },
    ]);
  } finally {
    await gateway.stop();
    await receiver.stop(true);
  }
}

if (import.meta.main) await main();
