// GroupCommitFile on the real Bun platform in a temp dir: concurrent appends share one
// fsync, an append resolves only after its fsync, and a compacting rewrite swaps the file.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { GroupCommitFile } from "../../src/delivery/group-commit.ts";
import { spyPlatform, tempDir, type SpyPlatform } from "./outbox-fixtures.ts";

let tmp: Awaited<ReturnType<typeof tempDir>>;
let platform: SpyPlatform;
let file: GroupCommitFile;
let path: string;

beforeEach(async () => {
  tmp = await tempDir();
  platform = spyPlatform();
  path = join(tmp.dir, "outbox.log");
  file = new GroupCommitFile(platform, path);
  await file.open([]);
});
afterEach(async () => {
  await file.close().catch(() => {});
  await tmp.remove();
});

const linesOnDisk = async () => (await readFile(path, "utf8")).split("\n").filter(Boolean);

test("100 concurrent appends share fsyncs: the first goes alone, the rest ride together", async () => {
  await Promise.all(Array.from({ length: 100 }, (_, i) => file.append(`line ${i}`)));
  expect(platform.syncs()).toBe(2);
  expect(await linesOnDisk()).toEqual(Array.from({ length: 100 }, (_, i) => `line ${i}`));
});

test("appends made one after another each get their own fsync (the spy counts real calls)", async () => {
  for (let i = 0; i < 5; i++) await file.append(`line ${i}`);
  expect(platform.syncs()).toBe(5);
});

test("an append resolves only after the fsync that covers it has returned", async () => {
  const order: string[] = platform.events;
  const done = file.append("a").then(() => order.push("resolved a"));
  await done;
  expect(order).toEqual(["write", "sync", "resolved a"]);
  expect(await linesOnDisk()).toEqual(["a"]);
});

test("a rewrite replaces the file with the snapshot; lines queued with it are not written twice", async () => {
  await file.append("old 1");
  await file.append("old 2");
  const queued = file.append("in snapshot");
  file.requestRewrite(() => ["compacted", "in snapshot"]);
  await queued;
  await file.append("after");
  expect(await linesOnDisk()).toEqual(["compacted", "in snapshot", "after"]);
  expect(file.appendsSinceRewrite).toBe(1);
});

test("a failed rewrite keeps the old file open: later appends still land", async () => {
  const reported: unknown[] = [];
  await file.close();
  file = new GroupCommitFile(platform, path, (error) => reported.push(error));
  await file.open(["kept"]);
  // The disk is full for the compaction's temp file only (the real write goes on after).
  let failures = 1;
  const realWrite = platform.writeFileAtomic;
  platform.writeFileAtomic = async (target, data) => {
    if (failures-- > 0) throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
    return realWrite(target, data);
  };
  file.requestRewrite(() => ["compacted"]);
  await file.flush();
  expect(String(reported[0])).toContain("ENOSPC");
  await file.append("after the failed compaction");
  expect(await linesOnDisk()).toEqual(["kept", "after the failed compaction"]);
});

test("after close, appends are refused and a late compaction does not reopen the file", async () => {
  await file.append("last");
  await file.close();
  await expect(file.append("late")).rejects.toThrow("closed");
  file.requestRewrite(() => []);
  await file.flush();
  expect(await linesOnDisk()).toEqual(["last"]);
});
