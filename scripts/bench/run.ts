// npm run bench [-- NAME ...]: runs the benchmarks one after another (each in its own
// process, so one's garbage and JIT state do not skew the next) and prints their tables.
// Numbers from a 2-core shared machine are noisy: compare medians and ratios.
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const DIR = resolve(import.meta.dir);
const ORDER = ["config-reload", "key-log-replay", "key-reply", "notify-accept", "e2e-latency", "events-longpoll", "two-way-latency", "webhook-latency", "events-drain", "fanout", "hostile-input", "startup"];
const available = readdirSync(DIR)
  .filter((file) => file.endsWith(".ts") && !["run.ts", "table.ts"].includes(file) && !file.startsWith("_"))
  .map((file) => file.replace(/\.ts$/, ""))
  .filter((name) => existsSync(join(DIR, `${name}.ts`)));
const known = [...ORDER.filter((name) => available.includes(name)), ...available.filter((name) => !ORDER.includes(name)).sort()];
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !known.includes(name));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; available: ${known.join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : known) {
  console.log(`\n=== ${name}`);
  const proc = Bun.spawn([process.execPath, join(DIR, `${name}.ts`)], { stdout: "inherit", stderr: "inherit" });
  if ((await proc.exited) !== 0) {
    failed++;
    console.error(`benchmark ${name} failed`);
  }
}
console.log(`\nmachine: ${navigator.hardwareConcurrency} cores; shared and noisy: read medians and ratios, not single runs.`);
process.exit(failed ? 1 : 0);
