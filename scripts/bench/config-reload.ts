// Reload of a 10,000-user config (goal ≤ 100 ms): parse, positions, validation, resolve.
import { parseConfig } from "../../src/config/load.ts";
import { median, ms, printTable } from "./table.ts";

const USERS = 10_000;
function makeConfig(): string {
  const lines = ["listen: 127.0.0.1:8787", "bots:", "  main:", '    token: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"', "users:"];
  for (let i = 0; i < USERS; i++) lines.push(`  user${i}: ${10_000_000 + i * 7}`);
  lines.push("groups:");
  for (let g = 0; g < 100; g++) lines.push(`  group${g}: [${Array.from({ length: 100 }, (_, i) => `user${g * 100 + i}`).join(", ")}]`);
  return lines.join("\n") + "\n";
}

const text = makeConfig();
const times: number[] = [];
for (let i = 0; i < 30; i++) {
  const started = performance.now();
  const config = parseConfig(text, "/tmp/bench.yaml", { env: {} });
  times.push(performance.now() - started);
  if (config.users.size !== USERS) throw new Error("bad parse");
}
const warm = times.slice(2);
printTable(`config reload (${USERS} users, 100 groups, ${(text.length / 1024).toFixed(0)} KiB)`, [
  { figure: "reload median", value: ms(median(warm)), goal: "≤ 100 ms", ok: median(warm) <= 100 },
  { figure: "first load (cold)", value: ms(times[0]!), goal: "info" },
]);
