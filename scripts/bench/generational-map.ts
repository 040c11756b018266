// Why the outbox index, the worker's bookkeeping and its lanes are generational maps and
// chunked queues (src/lib/generational-map.ts, src/lib/fifo.ts): a backlog of 500,000
// queued notifications is one Map entry, one Set entry and one lane slot each. Inserting
// into one big Map (or pushing onto one big array) while requests make garbage, the
// collector's pauses grew with the table; they showed as notify's p99. Here the same
// inserts, with a request's worth of garbage each, in batches of 1,000: the longest batch
// is where a collector pause lands. Alternating rounds, medians.
import { Fifo } from "../../src/lib/fifo.ts";
import { GenerationalMap } from "../../src/lib/generational-map.ts";
import { median, ms, printTable } from "./table.ts";

const ENTRIES = 500_000;
const BATCH = 1_000;
const ROUNDS = 3;

interface Result {
  longest: number;
  perSecond: number;
}

/** Fills a container through `insert`, making garbage alongside; the longest batch and the rate. */
function fill(insert: (i: number, value: object) => void): Result {
  Bun.gc(true);
  let sink: unknown;
  let longest = 0;
  const started = performance.now();
  for (let i = 0; i < ENTRIES; i += BATCH) {
    const batchStarted = performance.now();
    for (let j = i; j < i + BATCH; j++) {
      // About what a request leaves behind: parsed fields, a response, a few strings.
      for (let k = 0; k < 20; k++) sink = { k, fields: [j, k], text: `garbage ${k}` };
      insert(j, { id: j, parts: [`part ${j}`], recipients: [{ status: "queued", messageIds: [] }] });
    }
    longest = Math.max(longest, performance.now() - batchStarted);
  }
  void sink;
  return { longest, perSecond: ENTRIES / ((performance.now() - started) / 1000) };
}

const variants: Record<string, () => Result> = {
  map: () => {
    const map = new Map<string, object>();
    return fill((i, value) => map.set(`id${i}`, value));
  },
  generational: () => {
    const map = new GenerationalMap<string, object>();
    return fill((i, value) => map.set(`id${i}`, value));
  },
  array: () => {
    const queue: object[] = [];
    return fill((_, value) => queue.push(value));
  },
  fifo: () => {
    const queue = new Fifo<object>();
    return fill((_, value) => queue.push(value));
  },
};

const results: Record<string, Result[]> = { map: [], generational: [], array: [], fifo: [] };
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse();
  for (const name of order) results[name]!.push(variants[name]!());
}
// A lane delivers from the front of its queue: an array moves every element on each shift.
const shifting = (queue: { push(item: object): unknown; shift(): unknown }): number => {
  for (let i = 0; i < ENTRIES; i++) queue.push({ i });
  const started = performance.now();
  for (let i = 0; i < 1_000; i++) queue.shift();
  return performance.now() - started;
};
const shiftArray = median([0, 1, 2].map(() => shifting([])));
const shiftFifo = median([0, 1, 2].map(() => shifting(new Fifo<object>())));
const longest = (name: string) => median(results[name]!.map((result) => result.longest));
const rate = (name: string) => median(results[name]!.map((result) => result.perSecond));
const kilo = (value: number) => `${(value / 1000).toFixed(0)}k/s`;
printTable(`${ENTRIES.toLocaleString("en")} inserts, 20 garbage objects each, batches of ${BATCH}; median of ${ROUNDS}`, [
  { figure: "one Map: longest batch (a collector pause)", value: ms(longest("map")), goal: "baseline" },
  { figure: "GenerationalMap: longest batch", value: ms(longest("generational")), goal: "≤ one Map's", ok: longest("generational") <= longest("map") },
  // A new key is looked for in every generation first (one probe each): the price of the shorter pauses.
  { figure: "GenerationalMap / one Map: inserts per second", value: `${kilo(rate("generational"))} / ${kilo(rate("map"))} = ${(rate("generational") / rate("map")).toFixed(2)}`, goal: "info" },
  { figure: "one array as a queue: longest batch", value: ms(longest("array")), goal: "baseline" },
  // Both hold the same live objects, whose full collections dominate here: about equal.
  { figure: "Fifo: longest batch", value: ms(longest("fifo")), goal: "info (≈ the array's)" },
  { figure: "Fifo / array: pushes per second", value: `${kilo(rate("fifo"))} / ${kilo(rate("array"))} = ${(rate("fifo") / rate("array")).toFixed(2)}`, goal: "info" },
  { figure: `shifting 1,000 off a queue of ${ENTRIES.toLocaleString("en")}: array`, value: ms(shiftArray), goal: "baseline" },
  { figure: "… Fifo", value: ms(shiftFifo), goal: "≤ the array's / 10", ok: shiftFifo <= shiftArray / 10 },
]);
