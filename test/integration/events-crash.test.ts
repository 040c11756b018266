// kill -9 while people's messages are being recorded: after a restart every event that was
// acknowledged (record resolved, which is when the offset may move past its update) is
// there with its id, and recording the same updates again (Telegram redelivers what was
// not confirmed) makes no second event of any: each update is there exactly once.
import { afterEach, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Inbox } from "../../src/events/inbox.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { messageDraft } from "../events/event-fixtures.ts";
import { BUN } from "./serve-process.ts";

let dir: string | undefined;
let child: ReturnType<typeof Bun.spawn> | undefined;
afterEach(async () => {
  child?.kill("SIGKILL");
  await child?.exited;
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("kill -9 mid-stream: every acknowledged event survives with its id, and replayed updates make no second event", async () => {
  dir = await mkdtemp(join(tmpdir(), "tgsignal-events-crash-"));
  child = Bun.spawn([BUN, join(import.meta.dir, "events-crash-writer.ts"), dir], { stdout: "pipe", stderr: "pipe" });
  const acked = new Map<number, string>();
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of child.stdout as ReadableStream<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      const [, update, id] = line.split(" ");
      acked.set(Number(update), id!);
    }
    if (acked.size >= 50) break;
  }
  child.kill("SIGKILL");
  await child.exited;

  const log = createMemoryLogger("debug");
  const inbox = await Inbox.open({ platform: bunPlatform, clock: systemClock, log, dataDir: dir, retentionMs: () => 7 * 24 * 60 * 60 * 1000 });
  try {
    const kept = inbox.after("0", 100_000);
    const byText = new Map(kept.map((event) => [event.text, event.id]));
    for (const [update, id] of acked) expect({ update, id: byText.get(`message ${update}`) }).toEqual({ update, id });
    // Redelivered: everything up to a little past what was acknowledged.
    const last = Math.max(...acked.keys()) + 10;
    for (let update = 1; update <= last; update++) {
      const { stored, isNew } = await inbox.record(messageDraft(systemClock, { updateId: update, text: `message ${update}` }));
      if (acked.has(update)) expect({ update, isNew, id: stored.event.id }).toEqual({ update, isNew: false, id: acked.get(update)! });
    }
    const texts = inbox.after("0", 100_000).map((event) => event.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts.length).toBeGreaterThanOrEqual(last);
    const ids = inbox.after("0", 100_000).map((event) => BigInt(event.id));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
  } finally {
    await inbox.close();
  }
  const onDisk = (await readFile(join(dir, "inbox.log"), "utf8")).split("\n").filter(Boolean).map((line) => JSON.parse(line));
  const updates = onDisk.filter((line) => line.t === "event").map((line) => line.source.update_id);
  expect(new Set(updates).size).toBe(updates.length);
}, 30_000);
