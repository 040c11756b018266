// GET /keys over a large keys.log: the longest the event loop is held while one answer is
// made and read (sort, rows, JSON written a piece at a time), and the whole answer's time,
// at 1,000, 10,000 and 100,000 keys, medians of several runs. The route is called through
// the router without sockets, so the figures are the handler's own.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile } from "../../src/config/load.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { addAdminRoutes } from "../../src/http/admin.ts";
import { Authenticator } from "../../src/http/auth.ts";
import { Router } from "../../src/http/router.ts";
import { KeyRegistry } from "../../src/keys/registry.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { median, ms, printTable, type Row } from "./table.ts";

const SIZES = [1_000, 10_000, 100_000];
const RUNS = 7;
const GOAL_MS = 50;

function keyLog(count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
    lines.push(JSON.stringify({ type: "issued", key: String(10_000_000 + i), bot: "main", chat_id: 100_000 + i, chat_type: "private", username: `user${i}`, name: `Person ${i}`, requested_by: 100_000 + i, at }));
    if (i % 10 === 9) lines.push(JSON.stringify({ type: "revoked", key: String(10_000_000 + i), by: "user", at }));
  }
  return lines.join("\n") + "\n";
}

/** Assigns every other key, as a config would. */
function configText(count: number): string {
  const users = Array.from({ length: Math.min(count, 20_000) / 2 }, (_, i) => `  u${i}: ${10_000_000 + i * 2}`);
  return `data_dir: ./data\nbots:\n  main: { token: "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA" }\nusers:\n${users.join("\n")}\n`;
}

async function measure(count: number): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-bench-keys-"));
  try {
    await Bun.write(join(dir, "data", "keys.log"), keyLog(count));
    const file = join(dir, "config.yaml");
    await writeFile(file, configText(count));
    const registry = await KeyRegistry.open({ platform: bunPlatform, dataDir: join(dir, "data"), repairTail: false });
    const load = () => loadConfigFile(bunPlatform, file, { env: {} });
    const log = createMemoryLogger("warn");
    const store = new ConfigStore(await load(), load, log);
    const router = new Router(log);
    addAdminRoutes({ router, store, auth: new Authenticator(systemClock), keys: { list: () => registry.list(), revoke: async () => undefined }, log });
    const time = async (path: string) => {
      const stalls: number[] = [];
      const totals: number[] = [];
      let bytes = 0;
      for (let run = 0; run < RUNS; run++) {
        Bun.gc(true);
        const started = performance.now();
        const stall = await longestStall(async () => {
          const res = await router.handle(new Request(`http://127.0.0.1${path}`), { remoteAddr: "127.0.0.1" });
          // Read piece by piece, as the server writes them to the socket (text() would join 20 MiB at once).
          bytes = 0;
          for await (const piece of res.body!) bytes += piece.byteLength;
        });
        totals.push(performance.now() - started);
        stalls.push(stall);
      }
      return { stall: median(stalls), total: median(totals), bytes };
    };
    const all = await time("/keys");
    const filtered = await time("/keys?status=revoked");
    await registry.close();
    const label = count.toLocaleString("en");
    return [
      { figure: `${label} keys: GET /keys, longest stall`, value: ms(all.stall), goal: `≤ ${GOAL_MS} ms`, ok: all.stall <= GOAL_MS },
      { figure: `${label} keys: GET /keys, whole answer`, value: `${ms(all.total)} (${(all.bytes / 1024 / 1024).toFixed(1)} MiB)`, goal: "info" },
      { figure: `${label} keys: ?status=revoked, longest stall`, value: ms(filtered.stall), goal: `≤ ${GOAL_MS} ms`, ok: filtered.stall <= GOAL_MS },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The longest the event loop went without running a timer while `work` ran (what another request would wait). */
async function longestStall(work: () => Promise<void>): Promise<number> {
  let longest = 0;
  let last = performance.now();
  let running = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  await work();
  running = false;
  longest = Math.max(longest, performance.now() - last);
  return longest;
}

export async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const size of SIZES) rows.push(...(await measure(size)));
  printTable("GET /keys: the handler's time per answer (median)", rows);
}

if (import.meta.main) await main();
