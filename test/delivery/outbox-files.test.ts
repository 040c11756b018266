// Notifications with files in the outbox and data_dir/files: the files, file_ids and the
// files' message ids survive replay and compaction; a file is held from accept until no
// recipient is queued, released only once that record is on disk, and removed then unless
// another notification (or a request still storing it) holds the same bytes.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { FileKeeper } from "../../src/delivery/file-keeper.ts";
import { decodeOutboxRecord } from "../../src/delivery/outbox-records.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import type { NotificationState } from "../../src/delivery/types.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { FileStore } from "../../src/storage/file-store.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { notification, recipient, spyPlatform, tempDir, type SpyPlatform } from "./outbox-fixtures.ts";

let tmp: Awaited<ReturnType<typeof tempDir>>;
let platform: SpyPlatform;
let clock: FakeClock;
let keeper: FileKeeper;
let outbox: Outbox | undefined;
const log = createMemoryLogger("debug");

beforeEach(async () => {
  tmp = await tempDir();
  platform = spyPlatform();
  clock = new FakeClock();
  keeper = new FileKeeper(new FileStore(platform, tmp.dir), log);
});
afterEach(async () => {
  await outbox?.close().catch(() => {});
  outbox = undefined;
  await tmp.remove();
});

async function open(): Promise<Outbox> {
  keeper = new FileKeeper(new FileStore(platform, tmp.dir), log);
  outbox = await Outbox.open({ platform, clock, log, dataDir: tmp.dir, files: keeper });
  await keeper.sweep();
  return outbox;
}

async function reopen(): Promise<Outbox> {
  await outbox?.close();
  return open();
}

/** A notification of one file to `people` recipients; the file is stored (and let go of, as a request does after accept). */
async function withFile(bytes: string, people = 1): Promise<NotificationState> {
  const file = await keeper.store.put(new TextEncoder().encode(bytes));
  const recipients = Array.from({ length: people }, (_, i) => recipient(`u${i}`, 5000 + i));
  const state = notification(clock.now(), { parts: ["caption"], recipients });
  state.files = [{ hash: file.hash, name: "a.pdf", mime: "application/pdf", size: file.size, as: "document" }];
  state.filePart = 0;
  await outbox!.accept(state);
  keeper.letGo([file]);
  return state;
}

const stored = () => keeper.store.list();
const settle = () => keeper.idle();

describe("records", () => {
  test("files, file_ids and the files' message ids survive replay and compaction", async () => {
    await open();
    const state = await withFile("report", 2);
    await outbox!.recordSent(state, 0, 0, [7], undefined, { fileIds: { "document:x:a.pdf": "BQAC1" }, fileMessageIds: [7] });
    for (const box of [await reopen(), await reopen()]) {
      const again = box.get(state.id)!;
      expect(again.files).toEqual(state.files);
      expect(again.filePart).toBe(0);
      expect(again.fileIds).toEqual({ main: { "document:x:a.pdf": "BQAC1" } });
      expect(again.recipients.map((r) => r.fileMessageIds)).toEqual([[7], undefined]);
      expect(again.parts).toEqual(["caption"]);
    }
  });

  test("a hand-damaged files entry is reported, never half-applied", () => {
    const line = { t: "n", id: "x", at: 1, client: "erp", part_count: 1, parts: ["a"], recipients: [], files: [{ hash: "../etc", name: "a", mime: "b", size: 1, as: "document" }], file_part: 0 };
    expect(decodeOutboxRecord(line)).toBe('a file without a sha256 "hash"');
    expect(decodeOutboxRecord({ ...line, files: [{ ...line.files[0], hash: "a".repeat(64) }], file_part: 1 })).toBe('"file_part" must be one of the parts');
  });
});

describe("keeping files", () => {
  test("held while a recipient is queued; removed once the last record is on disk", async () => {
    await open();
    const state = await withFile("invoice", 2);
    await outbox!.recordSent(state, 0, 0, [1]);
    await settle();
    expect(await stored()).toHaveLength(1);
    await outbox!.recordSent(state, 1, 0, [2]);
    await settle();
    expect(await stored()).toEqual([]);
  });

  test("not before the record that freed it is durable: a failed fsync keeps the file", async () => {
    await open();
    const state = await withFile("invoice");
    platform.failSyncs = 1;
    await outbox!.recordSent(state, 0, 0, [1]).catch(() => {});
    await settle();
    expect(await stored()).toHaveLength(1);
  });

  test("the same bytes in two notifications: removed only when both are done", async () => {
    await open();
    const first = await withFile("same");
    const second = await withFile("same");
    await outbox!.recordFailed(first, 0, "403 blocked");
    await settle();
    expect(await stored()).toHaveLength(1);
    await outbox!.recordSent(second, 0, 0, [3]);
    await settle();
    expect(await stored()).toEqual([]);
  });

  test("a deletion that cancels every queued recipient frees the file", async () => {
    await open();
    const state = await withFile("cancel me");
    await outbox!.recordOperation(state, { kind: "delete", at: clock.now(), targets: [{ status: "queued", attempts: 0 }] });
    await settle();
    expect(await stored()).toEqual([]);
  });

  test("after a restart: queued notifications keep their files, the rest is swept", async () => {
    await open();
    const queued = await withFile("still queued");
    const done = await withFile("delivered");
    const doneHash = done.files![0]!.hash;
    await outbox!.close();
    // Delivered in the log, but the crash came before its file was removed; plus a half upload.
    const box = await Outbox.open({ platform, clock, log, dataDir: tmp.dir });
    await box.recordSent(box.get(done.id)!, 0, 0, [5]);
    await box.close();
    await platform.openWrite(`${tmp.dir}/files/.upload-1-1.tmp`).then((file) => file.close());
    await keeper.store.put(new TextEncoder().encode("delivered")).then((file) => file.release());
    expect(await stored()).toContain(doneHash);
    outbox = undefined;
    await open();
    expect(await stored()).toEqual([queued.files![0]!.hash]);
    expect(log.lines.some((line) => line.includes("unfinished_uploads=1"))).toBe(true);
  });
});
