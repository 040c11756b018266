// The durable outbox on the real Bun platform in a temp data dir, with a fake clock for
// the 24 h retention: group commit, durability before accept resolves, replay of progress,
// torn and damaged lines, compaction, idempotency keys across restarts.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeOutboxRecord, encodeNotification } from "../../src/delivery/outbox-records.ts";
import { Outbox, RETENTION_MS } from "../../src/delivery/outbox.ts";
import { StateError, StorageFullError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { notification, recipient, spyPlatform, tempDir, type SpyPlatform } from "./outbox-fixtures.ts";

const HOUR = 60 * 60 * 1000;

let tmp: Awaited<ReturnType<typeof tempDir>>;
let platform: SpyPlatform;
let clock: FakeClock;
let log: ReturnType<typeof createMemoryLogger>;
let outbox: Outbox | undefined;

beforeEach(async () => {
  tmp = await tempDir();
  platform = spyPlatform();
  clock = new FakeClock();
  log = createMemoryLogger("debug");
});
afterEach(async () => {
  await outbox?.close().catch(() => {});
  outbox = undefined;
  await tmp.remove();
});

const logPath = () => join(tmp.dir, "outbox.log");
const linesOnDisk = async () => (await readFile(logPath(), "utf8")).split("\n").filter(Boolean);

async function open(): Promise<Outbox> {
  outbox = await Outbox.open({ platform, clock, log, dataDir: tmp.dir });
  return outbox;
}

async function reopen(): Promise<Outbox> {
  await outbox?.close();
  outbox = undefined;
  return open();
}

describe("accepting", () => {
  test("concurrent accepts share fsyncs", async () => {
    const box = await open();
    const states = Array.from({ length: 50 }, () => notification(clock.now()));
    await Promise.all(states.map((state) => box.accept(state)));
    expect(platform.syncs()).toBeLessThanOrEqual(2);
    expect(await linesOnDisk()).toHaveLength(50);
  });

  test("an accepted notification is on disk, fsynced, when accept resolves", async () => {
    const box = await open();
    const state = notification(clock.now(), { parts: ["disk full on db1"] });
    await box.accept(state);
    expect(platform.events).toEqual(["write", "sync"]);
    const [line] = await linesOnDisk();
    expect(JSON.parse(line!)).toMatchObject({ t: "n", id: state.id, parts: ["disk full on db1"], recipients: [{ user: "ivanov", status: "queued" }] });
  });

  test("an accept whose fsync fails is forgotten, so a retry with the same Idempotency-Key is queued anew", async () => {
    const box = await open();
    const state = notification(clock.now(), { idempotencyKey: "retry-me" });
    platform.failSyncs = 1;
    await expect(box.accept(state)).rejects.toThrow("EIO");
    expect(box.get(state.id)).toBeUndefined();
    expect(box.findByIdempotencyKey("erp", "retry-me")).toBeUndefined();
    expect(box.depth()).toBe(0);
    const retry = notification(clock.now(), { idempotencyKey: "retry-me" });
    await box.accept(retry);
    expect(box.findByIdempotencyKey("erp", "retry-me")?.id).toBe(retry.id);
    // The failed batch was cut back: after a restart only the retry is there.
    const reopened = await reopen();
    expect(reopened.get(state.id)).toBeUndefined();
    expect(reopened.pending().map((pending) => pending.id)).toEqual([retry.id]);
  });

  test("an accept on a full disk is a StorageFullError (storage_full); the half-written record is cut back and forgotten", async () => {
    const box = await open();
    const kept = notification(clock.now(), { parts: ["before the disk filled"] });
    await box.accept(kept);
    const before = await readFile(logPath(), "utf8");
    const state = notification(clock.now(), { parts: ["x".repeat(10_000)], idempotencyKey: "full" });
    platform.fullAfter = 4096;
    const error = await box.accept(state).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(StorageFullError);
    expect(error).toMatchObject({ code: "storage_full" });
    expect(await readFile(logPath(), "utf8")).toBe(before);
    expect(box.get(state.id)).toBeUndefined();
    expect(box.findByIdempotencyKey("erp", "full")).toBeUndefined();
    expect((await reopen()).pending().map((pending) => pending.id)).toEqual([kept.id]);
  });

  test("with the disk full at start the compaction fails, but the outbox opens on the replayed file and appends", async () => {
    let box = await open();
    const queued = notification(clock.now(), { parts: ["still queued"] });
    await box.accept(queued);
    await box.close();
    const realWrite = platform.writeFileAtomic;
    platform.writeFileAtomic = () => Promise.reject(Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" }));
    box = await open();
    expect(log.lines.some((line) => line.includes("compaction failed") && line.includes("ENOSPC"))).toBe(true);
    expect(box.pending().map((state) => state.id)).toEqual([queued.id]);
    await box.recordSent(queued, 0, 0, [5]);
    platform.writeFileAtomic = realWrite;
    box = await reopen();
    expect(box.get(queued.id)?.recipients[0]).toMatchObject({ status: "delivered", messageIds: [5] });
  });
});

describe("replay", () => {
  test("queued notifications and their progress (sent parts, failures) come back after reopen", async () => {
    let box = await open();
    const twoParts = notification(clock.now(), { parts: ["part one", "part two"], recipients: [recipient("ivanov", 5001), recipient("petrov", 5002)] });
    const other = notification(clock.now(), { recipients: [recipient("sidorov", 5003)] });
    await box.accept(twoParts);
    await box.accept(other);
    await box.recordSent(twoParts, 0, 0, [101]);
    await box.recordSent(twoParts, 1, 0, [201]);
    await box.recordSent(twoParts, 1, 1, [202], "sent as plain text");
    await box.recordFailed(other, 0, "the person blocked the bot");

    box = await reopen();
    const restored = box.get(twoParts.id)!;
    expect(restored.parts).toEqual(["part one", "part two"]);
    expect(restored.recipients.map(({ status, next, messageIds }) => ({ status, next, messageIds }))).toEqual([
      { status: "queued", next: 1, messageIds: [101] },
      { status: "delivered", next: 2, messageIds: [201, 202] },
    ]);
    expect(restored.recipients[1]!.warning).toBe("sent as plain text");
    expect(box.get(other.id)!.recipients[0]).toMatchObject({ status: "failed", reason: "the person blocked the bot" });
    expect(box.pending().map((state) => state.id)).toEqual([twoParts.id]);
    expect(box.depth()).toBe(1);
  });

  test("a torn last line is cut off with a warning; the records before it survive", async () => {
    const kept = notification(clock.now());
    const whole = JSON.stringify(encodeNotification(kept, true));
    const sent = JSON.stringify({ t: "sent", id: kept.id, r: 0, p: 0, mids: [7], at: clock.now() });
    await writeFile(logPath(), `${whole}\n${sent}\n{"t":"sent","id":"${kept.id}","r":0,"p":1,"mi`);

    const box = await open();
    expect(box.get(kept.id)!.recipients[0]).toMatchObject({ status: "delivered", messageIds: [7] });
    expect(log.lines.some((line) => line.includes("WARN") && line.includes(`${logPath()}:3: torn last record`))).toBe(true);
    // The file was rewritten without the torn bytes, so appending after it stays valid.
    expect((await readFile(logPath(), "utf8")).endsWith("\n")).toBe(true);
    await box.accept(notification(clock.now()));
    await reopen();
    expect(log.lines.filter((line) => line.includes("torn last record"))).toHaveLength(1);
  });

  test("a damaged line in the middle stops the open with file:line and leaves the file as it was", async () => {
    const first = JSON.stringify(encodeNotification(notification(clock.now()), true));
    const third = JSON.stringify(encodeNotification(notification(clock.now()), true));
    const text = `${first}\n{"t":"n","id":garbage\n${third}\n`;
    await writeFile(logPath(), text);

    const error = await open().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).code).toBe("outbox_damaged");
    expect((error as StateError).message).toContain(`${logPath()}:2:`);
    expect(await readFile(logPath(), "utf8")).toBe(text);
  });
});

describe("what replay checks", () => {
  const good = () => encodeNotification(notification(clock.now(), { parts: ["one", "two"] }), true);
  type Line = ReturnType<typeof good>;
  const withRecipient = (change: Record<string, unknown>) => (line: Line) => ({ ...line, recipients: [{ ...line.recipients[0]!, ...change }] });
  const damaged: Array<[string, (line: Line) => unknown]> = [
    ["recipient 0: not a JSON object", (line) => ({ ...line, recipients: [null] })],
    ["recipient 0: not a JSON object", (line) => ({ ...line, recipients: [[1]] })],
    ['recipient 0: missing "user", "key" or "bot"', withRecipient({ bot: undefined })],
    ['recipient 0: missing or bad "chat_id"', withRecipient({ chat_id: "5001" })],
    ['recipient 0: bad "status"', withRecipient({ status: "sent" })],
    ['recipient 0: bad "next"', withRecipient({ next: 3 })],
    ['recipient 0: bad "next"', withRecipient({ next: -1 })],
    ['recipient 0: bad "message_ids"', withRecipient({ message_ids: ["7"] })],
    ['recipient 0: bad "attempts" or "done_at"', withRecipient({ attempts: "2" })],
    ['recipient 0: bad "reason" or "warning"', withRecipient({ reason: 5 })],
    ['missing or bad "recipients"', (line) => ({ ...line, recipients: { 0: line.recipients[0] } })],
    ['missing or bad "part_count"', (line) => ({ ...line, part_count: "2" })],
    ['notification without "id", "at" or "client"', (line) => ({ ...line, at: "yesterday" })],
    ['"parts" must be a list of texts', (line) => ({ ...line, parts: ["one", 2] })],
    ['queued, but "parts" does not hold "part_count" texts', (line) => ({ ...line, parts: undefined })],
    ['queued, but "parts" does not hold "part_count" texts', (line) => ({ ...line, parts: ["one"] })],
    ['bad "silent" or "topic"', (line) => ({ ...line, topic: 1.5 })],
    ['bad "idempotency_key" or "fingerprint"', (line) => ({ ...line, idempotency_key: 42 })],
    ['bad "due_at"', (line) => ({ ...line, due_at: "2026-11-25T09:00:00Z" })],
    ['sent record without "p"/"mids"', (line) => ({ t: "sent", id: line.id, r: 0, p: 0, mids: [null], at: 1 })],
    ['missing or bad "id" or "r"', (line) => ({ t: "sent", id: line.id, r: -1, p: 0, mids: [1], at: 1 })],
    ['missing or bad "at"', (line) => ({ t: "failed", id: line.id, r: 0, reason: "x" })],
    ['failed record without "reason"', (line) => ({ t: "failed", id: line.id, r: 0, at: 1 })],
  ];

  test("a line the worker could not use (recipients:[null], a bad field) stops the open with its line number and reason, never a TypeError", async () => {
    for (const [reason, damage] of damaged) {
      const first = good();
      const text = [first, damage(good()), good()].map((line) => JSON.stringify(line)).join("\n") + "\n";
      await writeFile(logPath(), text);
      const error = await open().catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(StateError);
      expect((error as StateError).code).toBe("outbox_damaged");
      expect((error as StateError).message).toContain(`${logPath()}:2: damaged record (${reason})`);
      expect(await readFile(logPath(), "utf8")).toBe(text);
    }
  });

  test("the same line written last is damage too, not a torn tail to cut: it is whole JSON", async () => {
    const text = JSON.stringify(good()) + "\n" + JSON.stringify({ ...good(), recipients: [null] }) + "\n";
    await writeFile(logPath(), text);
    expect(String(await open().catch((failure: unknown) => failure))).toContain(`${logPath()}:2: damaged record (recipient 0: not a JSON object)`);
    expect(await readFile(logPath(), "utf8")).toBe(text);
  });

  test("every line the outbox writes passes: queued and settled notifications with every optional field, and progress", async () => {
    const full = notification(clock.now(), { parts: ["a", "b"], idempotencyKey: "k", recipients: [recipient("ivanov", 5001), recipient("petrov", 5002)] });
    full.silent = true;
    full.topic = 12;
    Object.assign(full.recipients[1]!, { status: "failed", reason: "blocked", attempts: 3, doneAt: clock.now(), warning: "plain" });
    const settled = { ...full, parts: [], recipients: [{ ...full.recipients[0]!, status: "delivered" as const, next: 2, messageIds: [1, 2] }, full.recipients[1]!] };
    for (const line of [encodeNotification(full, true), encodeNotification(settled, false)]) {
      expect(decodeOutboxRecord(JSON.parse(JSON.stringify(line)))).toMatchObject({ t: "n", state: { id: full.id, silent: true, topic: 12 } });
    }
    const box = await open();
    await box.accept(full);
    await box.recordSent(full, 0, 0, [1], "sent as plain text");
    await box.recordSent(full, 0, 1, [2]);
    await box.recordFailed(full, 1, "blocked");
    const reopened = await reopen();
    expect(reopened.get(full.id)?.recipients.map((r) => r.status)).toEqual(["delivered", "failed"]);
  });
});

describe("compaction", () => {
  test("many finished notifications: the running log is compacted and queued ones keep their text", async () => {
    const box = await open();
    const queued = notification(clock.now(), { parts: ["still waiting for a chat"] });
    await box.accept(queued);
    const text = "x".repeat(300);
    const done = Array.from({ length: 5_000 }, () => notification(clock.now(), { parts: [text] }));
    await Promise.all(done.map((state) => box.accept(state)));
    const beforeSends = (await stat(logPath())).size;
    // 1 + 5,000 accepts + 4,999 sends = 10,000 appends: the 10,000th triggers compaction.
    await Promise.all(done.map((state, i) => box.recordSent(state, 0, 0, [i + 1])));
    await box.flush();

    const lines = (await linesOnDisk()).map((line) => JSON.parse(line) as { t: string; id: string; parts?: string[] });
    expect(lines).toHaveLength(5_001);
    expect(lines.every((line) => line.t === "n")).toBe(true);
    expect((await stat(logPath())).size).toBeLessThan(beforeSends / 2);
    expect(lines.find((line) => line.id === queued.id)!.parts).toEqual(["still waiting for a chat"]);
    expect(lines.filter((line) => line.parts !== undefined).map((line) => line.id)).toEqual([queued.id]);

    const again = await reopen();
    expect(again.get(done[4_999]!.id)!.recipients[0]).toMatchObject({ status: "delivered", messageIds: [5_000] });
    expect(again.pending().map((state) => state.id)).toEqual([queued.id]);
  });

  test("finished notifications older than 24 h are dropped; newer and still queued ones stay", async () => {
    let box = await open();
    const old = notification(clock.now());
    const queued = notification(clock.now(), { parts: ["chat is down"] });
    await box.accept(old);
    await box.accept(queued);
    await box.recordSent(old, 0, 0, [1]);
    await clock.advance(2 * HOUR);
    const recent = notification(clock.now());
    await box.accept(recent);
    await box.recordSent(recent, 0, 0, [2]);

    await clock.advance(RETENTION_MS - HOUR);
    box = await reopen();
    expect(box.get(old.id)).toBeUndefined();
    expect(box.get(recent.id)?.recipients[0]?.status).toBe("delivered");
    expect(box.get(queued.id)?.parts).toEqual(["chat is down"]);
    const ids = (await linesOnDisk()).map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids).toEqual([queued.id, recent.id]);
  });
});

describe("idempotency keys", () => {
  test("survive a reopen for 24 h and expire after", async () => {
    let box = await open();
    const state = notification(clock.now(), { idempotencyKey: "deploy-42" });
    await box.accept(state);
    await box.recordSent(state, 0, 0, [9]);

    await clock.advance(RETENTION_MS - 60_000);
    box = await reopen();
    expect(box.findByIdempotencyKey("erp", "deploy-42")?.id).toBe(state.id);
    expect(box.findByIdempotencyKey("erp", "deploy-42")?.fingerprint).toBe("fp-deploy-42");
    expect(box.findByIdempotencyKey("ci", "deploy-42")).toBeUndefined();

    await clock.advance(2 * 60_000);
    expect(box.findByIdempotencyKey("erp", "deploy-42")).toBeUndefined();
    box = await reopen();
    expect(box.findByIdempotencyKey("erp", "deploy-42")).toBeUndefined();
    expect(await readFile(logPath(), "utf8")).not.toContain("deploy-42");
  });

  test("a scheduled notification that ended before its due time (every recipient failed, or it was deleted) keeps its key until 24 h after that time", async () => {
    let box = await open();
    const failed = { ...recipient("ivanov", 5001), status: "failed" as const, reason: "the person revoked this key (/stop)", doneAt: clock.now() };
    const state = Object.assign(notification(clock.now(), { idempotencyKey: "weekly", recipients: [failed] }), { dueAt: clock.now() + 3 * 24 * HOUR });
    await box.accept(state);
    await clock.advance(2 * 24 * HOUR);
    box = await reopen(); // a compaction: ended two days ago, but due tomorrow
    expect(box.findByIdempotencyKey("erp", "weekly")?.id).toBe(state.id);
    await clock.advance(2 * 24 * HOUR + HOUR);
    box = await reopen();
    expect(box.get(state.id)).toBeUndefined();
    expect(box.findByIdempotencyKey("erp", "weekly")).toBeUndefined();
  });

  test("a key reused after 24 h keeps pointing at the new notification when the old one is dropped", async () => {
    let box = await open();
    const first = notification(clock.now(), { idempotencyKey: "nightly" });
    await box.accept(first);
    await clock.advance(2 * HOUR);
    await box.recordSent(first, 0, 0, [1]); // finished at +2 h: held until +26 h
    await clock.advance(22 * HOUR + 60_000);
    expect(box.findByIdempotencyKey("erp", "nightly")).toBeUndefined();
    const second = notification(clock.now(), { idempotencyKey: "nightly" });
    await box.accept(second);
    await clock.advance(2 * HOUR);
    box = await reopen(); // the first is dropped while the snapshot is written
    expect(box.get(first.id)).toBeUndefined();
    expect(box.findByIdempotencyKey("erp", "nightly")?.id).toBe(second.id);
  });
});
