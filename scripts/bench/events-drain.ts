// Buffered updates drained into events (goal: 10,000 in ≤ 5 s). People wrote while the
// gateway was down: UPDATES messages from PEOPLE connected people wait in the fake Bot API
// (this process) before `tgsignal serve` (its own process) starts. Measured from the spawn
// until a client paging through GET /events (limit 1000, long-polling when it is ahead)
// has all of them: start-up, getUpdates batches of 100, the conversation, inbox.log
// fsyncs and the offset saves, and the reads. Telegram's limits are enforced, so the
// acknowledgements (one 👌 per message, queued per chat) trail behind at 30/s; they do not
// hold the drain.
import { readEvents, type SeenEvent } from "./_events-reader.ts";
import { CLIENT_TOKEN, person, startBenchGateway, TOKEN } from "./_notify-setup.ts";
import { ms, printTable } from "./table.ts";

const UPDATES = 10_000;
const PEOPLE = 100;

async function main(): Promise<void> {
  const gateway = await startBenchGateway(PEOPLE, {}, {
    poll: "* * * * *",
    client: ["receive: true"],
    beforeStart(emulator) {
      for (let i = 0; i < UPDATES; i++) emulator.userWrites({ token: TOKEN, from: person(i % PEOPLE), text: `reading ${i}: 42.${i % 10} m³` });
    },
  });
  const listening = performance.now();
  let count = 0;
  let lastId = 0;
  let outOfOrder = 0;
  const done = new AbortController();
  const onEvents = (events: SeenEvent[]) => {
    for (const event of events) {
      if (Number(event.id) <= lastId) outOfOrder++;
      lastId = Number(event.id);
    }
    count += events.length;
    if (count >= UPDATES) done.abort();
  };
  const timeout = setTimeout(() => done.abort(), 60_000);
  try {
    await readEvents({ url: gateway.url, token: CLIENT_TOKEN, onEvents, signal: done.signal, limit: 1000, wait: 10 });
    const finished = performance.now();
    clearTimeout(timeout);
    const total = finished - gateway.spawnedAt;
    const firstPoll = gateway.firstCallAt("getUpdates");
    const fromPoll = firstPoll === undefined ? NaN : finished - firstPoll;
    printTable(`${UPDATES} buffered updates from ${PEOPLE} people drained into events (tgsignal serve, Telegram's limits enforced)`, [
      { figure: "events read from GET /events", value: String(count), goal: String(UPDATES), ok: count === UPDATES },
      { figure: "ids in order, none twice", value: outOfOrder === 0 ? "yes" : `${outOfOrder} out of order`, goal: "yes", ok: outOfOrder === 0 },
      { figure: "gateway start → listening", value: ms(listening - gateway.spawnedAt), goal: "info" },
      { figure: "first getUpdates → all in GET /events", value: ms(fromPoll), goal: "info" },
      { figure: "gateway start → all in GET /events", value: ms(total), goal: "≤ 5 s", ok: count === UPDATES && total <= 5000 },
      { figure: "events/s after the first getUpdates", value: (UPDATES / (fromPoll / 1000)).toFixed(0), goal: "info" },
    ]);
  } finally {
    clearTimeout(timeout);
    await gateway.stop();
  }
}

if (import.meta.main) await main();
