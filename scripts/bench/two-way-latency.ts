// Two-way latency, the whole path: `tgsignal serve` in its own process (poll "* * * * *",
// the default), the fake Bot API with Telegram's limits in this one, and every time taken
// here on one clock.
//   1. A person's message to a waiting GET /events (goal p95 ≤ 50 ms after the update
//      reaches the gateway): from userWrites (the update is queued at "Telegram", and the
//      gateway's open getUpdates long poll is answered at once), through the conversation
//      and the inbox fsync, to the answer of the long poll at each of READERS readers.
//      MESSAGES messages from PEOPLE people, one every INTERVAL_MS.
//   2. A button press answered (goal p95 ≤ 300 ms): from userPresses to the fake seeing
//      answerCallbackQuery; and, for information, to the button event at the readers.
//      PRESSES notifications with buttons, each pressed once, one press every INTERVAL_MS.
import type { SentMessage } from "../../src/emulator/types.ts";
import { readEvents, waitForWaiters, type SeenEvent } from "./_events-reader.ts";
import { CLIENT_TOKEN, person, startBenchGateway, TOKEN, type BenchGateway } from "./_notify-setup.ts";
import { median, ms, percentile, printTable } from "./table.ts";

const PEOPLE = 50;
const READERS = 10;
const WARM_UP = 20;
const MESSAGES = 200;
const PRESSES = 100;
const INTERVAL_MS = 50;

/** When something was done in Telegram, by the event it should become ("chat:message"). */
type Started = Map<string, number>;

const eventKey = (event: Pick<SeenEvent, "chat_id" | "message_id">) => `${event.chat_id}:${event.message_id}`;

async function main(): Promise<void> {
  const gateway = await startBenchGateway(PEOPLE, {}, { poll: "* * * * *", client: ["receive: true"] });
  const started: Started = new Map();
  const arrivals = new Map<string, number[]>();
  const stop = new AbortController();
  const onEvents = (events: SeenEvent[], at: number) => {
    for (const event of events) {
      const key = eventKey(event);
      if (!arrivals.has(key)) arrivals.set(key, []);
      arrivals.get(key)!.push(at);
    }
  };
  const readers = Array.from({ length: READERS }, () => readEvents({ url: gateway.url, token: CLIENT_TOKEN, onEvents, signal: stop.signal }));
  try {
    while (!gateway.emulator.isPolling(TOKEN)) await Bun.sleep(10);
    await waitForWaiters(gateway.url, READERS);
    await writeMessages(gateway, WARM_UP, new Map(), arrivals);
    const messages = await writeMessages(gateway, MESSAGES, started, arrivals);
    const presses = await pressButtons(gateway, started, arrivals);
    stop.abort();
    await Promise.all(readers);
    const tooMany = gateway.emulator.stats().tooManyRequests;
    printTable(
      `two-way latency through tgsignal serve (${MESSAGES} messages from ${PEOPLE} people and ${PRESSES} presses, one every ${INTERVAL_MS} ms; ${READERS} readers long-polling GET /events; Telegram's limits enforced)`,
      [
        { figure: "person's message → waiting GET /events, p50", value: ms(median(messages)), goal: "info" },
        { figure: "person's message → waiting GET /events, p95", value: ms(percentile(messages, 95)), goal: "≤ 50 ms", ok: percentile(messages, 95) <= 50 },
        { figure: "person's message → waiting GET /events, max", value: ms(Math.max(...messages)), goal: "info" },
        { figure: "press → answerCallbackQuery, p50", value: ms(median(presses.answered)), goal: "info" },
        { figure: "press → answerCallbackQuery, p95", value: ms(percentile(presses.answered, 95)), goal: "≤ 300 ms", ok: percentile(presses.answered, 95) <= 300 },
        { figure: "press → answerCallbackQuery, max", value: ms(Math.max(...presses.answered)), goal: "info" },
        { figure: "press → button event at waiting GET /events, p95", value: ms(percentile(presses.events, 95)), goal: "info" },
        { figure: "429 answers", value: String(tooMany), goal: "0", ok: tooMany === 0 },
      ],
    );
  } finally {
    stop.abort();
    await gateway.stop();
  }
}

/** `count` messages, paced, from the people in turn; the latency of each at each reader. */
async function writeMessages(gateway: BenchGateway, count: number, started: Started, arrivals: Map<string, number[]>): Promise<number[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = performance.now();
    const update = gateway.emulator.userWrites({ token: TOKEN, from: person(i % PEOPLE), text: `where is invoice ${i}?` });
    const key = eventKey({ chat_id: update.message!.chat.id, message_id: update.message!.message_id });
    started.set(key, at);
    keys.push(key);
    await Bun.sleep(INTERVAL_MS);
  }
  return latenciesOf(keys, started, arrivals);
}

/** Every reader got every event (waits up to 30 s); the latencies from `started`. */
async function latenciesOf(keys: string[], started: Started, arrivals: Map<string, number[]>): Promise<number[]> {
  const deadline = performance.now() + 30_000;
  const missing = () => keys.filter((key) => (arrivals.get(key)?.length ?? 0) < READERS);
  while (missing().length > 0) {
    if (performance.now() > deadline) throw new Error(`${missing().length} of ${keys.length} events did not reach every reader within 30 s`);
    await Bun.sleep(10);
  }
  return keys.flatMap((key) => arrivals.get(key)!.map((arrived) => arrived - started.get(key)!));
}

/** Sends PRESSES notifications with buttons, then presses each once, paced. */
async function pressButtons(gateway: BenchGateway, started: Started, arrivals: Map<string, number[]>): Promise<{ answered: number[]; events: number[] }> {
  const notifications = await sendWithButtons(gateway);
  const answered: number[] = [];
  const waits: Promise<void>[] = [];
  const keys: string[] = [];
  for (const sent of notifications) {
    const at = performance.now();
    const update = gateway.emulator.userPresses({ token: TOKEN, chat_id: sent.chat_id, message_id: sent.message_id, button: "Approve" });
    const key = eventKey(sent);
    started.set(key, at);
    keys.push(key);
    const answer = gateway.emulator.waitForCallbackAnswer(TOKEN, update.callback_query!.id, 10_000);
    waits.push(answer.then(() => void answered.push(performance.now() - at)));
    await Bun.sleep(INTERVAL_MS);
  }
  await Promise.all(waits);
  return { answered, events: await latenciesOf(keys, started, arrivals) };
}

/** One notification with Approve / Reject per press, spread over the people; resolves with what Telegram shows. */
async function sendWithButtons(gateway: BenchGateway): Promise<SentMessage[]> {
  const texts = new Set<string>();
  for (let i = 0; i < PRESSES; i++) {
    const text = `Invoice ${i} needs your approval`;
    texts.add(text);
    const res = await fetch(`${gateway.url}/notify`, {
      method: "POST",
      headers: { Authorization: `Bearer ${CLIENT_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ to: `u${i % PEOPLE}`, text, wait: 0, buttons: [{ text: "Approve", data: `approve:${i}` }, { text: "Reject", data: `reject:${i}` }] }),
    });
    if (res.status !== 202) throw new Error(`notify answered ${res.status}: ${await res.text()}`);
  }
  const sent = () => gateway.emulator.sent(TOKEN).filter((message) => texts.has(message.text));
  const deadline = performance.now() + 60_000;
  while (sent().length < PRESSES) {
    if (performance.now() > deadline) throw new Error(`only ${sent().length} of ${PRESSES} notifications with buttons were delivered`);
    await Bun.sleep(50);
  }
  return sent();
}

if (import.meta.main) await main();
