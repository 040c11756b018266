// Replay of a 100,000-record keys.log into the key store (DESIGN: ≤ 0.5 s with plain,
// readable code), median of several runs, with peak RSS. The log mixes issued (90 %) with
// revoked, blocked and migrated records, like a real one.
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyRegistry } from "../../src/keys/registry.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { median, ms, printTable } from "./table.ts";

const RECORDS = 100_000;
const RUNS = 7;
const GOAL_MS = 500;

async function writeLog(path: string): Promise<void> {
  const file = await open(path, "w");
  let batch: string[] = [];
  let key = 10_000_000;
  const at = "2026-11-25T10:00:00.000Z";
  for (let i = 0; i < RECORDS; i++) {
    if (i % 10 === 9) {
      const type = i % 30 === 9 ? "revoked" : i % 30 === 19 ? "blocked" : "migrated";
      const target = String(key - 3);
      batch.push(
        type === "revoked"
          ? JSON.stringify({ type, key: target, by: "user", at })
          : type === "blocked"
            ? JSON.stringify({ type, key: target, reason: "the person blocked the bot", at })
            : JSON.stringify({ type, key: target, chat_id: -1_000_000_000 - i, from_chat_id: 100 + i, at }),
      );
    } else {
      key += 7;
      batch.push(JSON.stringify({ type: "issued", key: String(key), bot: i % 3 === 0 ? "main" : "support", chat_id: 100_000_000 + i, chat_type: "private", username: `user${i}`, name: `Person ${i}`, at }));
    }
    if (batch.length === 10_000) {
      await file.write(batch.join("\n") + "\n");
      batch = [];
    }
  }
  if (batch.length) await file.write(batch.join("\n") + "\n");
  await file.close();
}

export async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-bench-replay-"));
  try {
    const path = join(dir, "keys.log");
    await writeLog(path);
    const size = (await stat(path)).size;
    const times: number[] = [];
    let keys = 0;
    for (let run = 0; run < RUNS; run++) {
      Bun.gc(true);
      const started = performance.now();
      const registry = await KeyRegistry.open({ platform: bunPlatform, dataDir: dir, repairTail: false });
      times.push(performance.now() - started);
      keys = registry.size;
      await registry.close();
    }
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    printTable(`key log replay (${RECORDS.toLocaleString("en")} records, ${(size / 1024 / 1024).toFixed(0)} MiB, ${keys.toLocaleString("en")} keys)`, [
      { figure: "replay median", value: ms(median(times)), goal: `≤ ${GOAL_MS} ms`, ok: median(times) <= GOAL_MS },
      { figure: "replay runs", value: times.map((t) => t.toFixed(0)).join(", ") + " ms", goal: "info" },
      { figure: "peak RSS", value: `${peakRssMb.toFixed(0)} MB`, goal: "info" },
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
