// The append-only log primitive on real files in a temp dir, through a recording platform
// (the real Bun platform underneath) that counts fsyncs and can fail a write part-way, an
// fsync, a truncate, an open or a compaction: group commit, order, a full disk, cut-back,
// replay, compaction.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StateError, StorageFullError } from "../../src/lib/errors.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { AppendFile, Platform } from "../../src/platform/platform.ts";
import { AppendLog, openAppendLog, replayLog, type LineDecoder, type ReplayOptions } from "../../src/storage/append-log.ts";

interface Row {
  n: number;
  text?: string;
}

interface RecordingPlatform extends Platform {
  /** "write", "sync", "truncate", "compact", in the order they completed. */
  readonly events: string[];
  syncs(): number;
  /** The next write puts only this many bytes in the file, then fails with ENOSPC. */
  partialWrite: number | undefined;
  failSyncs: number;
  failTruncates: number;
  failCompactions: number;
  /** The next write puts nothing in the file and fails with this errno. */
  failWritesWith: string | undefined;
  /** The next this-many opens fail with ENOSPC (no room for a new file). */
  failOpens: number;
}

const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });

function recordingPlatform(): RecordingPlatform {
  const events: string[] = [];
  const platform: RecordingPlatform = {
    ...bunPlatform,
    events,
    syncs: () => events.filter((event) => event === "sync").length,
    partialWrite: undefined,
    failSyncs: 0,
    failTruncates: 0,
    failCompactions: 0,
    failWritesWith: undefined,
    failOpens: 0,
    async openAppend(path: string): Promise<AppendFile> {
      if (platform.failOpens > 0 && platform.failOpens--) throw enospc();
      const file = await bunPlatform.openAppend(path);
      return {
        async write(data) {
          const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
          const errno = platform.failWritesWith;
          platform.failWritesWith = undefined;
          if (errno) throw Object.assign(new Error(`${errno}: write failed`), { code: errno });
          const part = platform.partialWrite;
          platform.partialWrite = undefined;
          if (part !== undefined) {
            await file.write(bytes.subarray(0, part));
            throw enospc();
          }
          await file.write(bytes);
          events.push("write");
        },
        async sync() {
          await file.sync();
          if (platform.failSyncs > 0 && platform.failSyncs--) throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
          events.push("sync");
        },
        close: () => file.close(),
      };
    },
    async truncate(path, length) {
      if (platform.failTruncates > 0 && platform.failTruncates--) throw Object.assign(new Error("EIO: i/o error, truncate"), { code: "EIO" });
      await bunPlatform.truncate(path, length);
      events.push("truncate");
    },
    async writeFileAtomic(path, data) {
      if (platform.failCompactions > 0 && platform.failCompactions--) throw enospc();
      await bunPlatform.writeFileAtomic(path, data);
      events.push("compact");
    },
  };
  return platform;
}

const decodeRow: LineDecoder<Row> = (value) =>
  typeof value === "object" && value !== null && typeof (value as Row).n === "number" ? (value as Row) : 'no "n"';

let dir: string;
let path: string;
let platform: RecordingPlatform;
let log: AppendLog<Row>;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tgsignal-append-log-"));
  path = join(dir, "test.log");
  platform = recordingPlatform();
  log = new AppendLog<Row>({ platform, path, replayed: { size: 0, needsNewline: false } });
});
afterEach(async () => {
  await log.close().catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

const onDisk = async () => await readFile(path, "utf8");
const rowsOnDisk = async () => (await onDisk()).split("\n").filter(Boolean).map((line) => (JSON.parse(line) as Row).n);
const line = (n: number, text?: string) => JSON.stringify(text === undefined ? { n } : { n, text }) + "\n";

async function replay(options: Partial<ReplayOptions<Row>> = {}) {
  const rows: Array<{ n: number; line: number }> = [];
  const warnings: string[] = [];
  const result = await replayLog(platform, path, {
    decode: decodeRow,
    onRecord: (row, number) => void rows.push({ n: row.n, line: number }),
    repairTail: true,
    onWarning: (message) => void warnings.push(message),
    ...options,
  });
  return { rows, warnings, result };
}

describe("group commit", () => {
  test("100 concurrent appends share fsyncs: the first goes alone, the other 99 ride together, in call order", async () => {
    await Promise.all(Array.from({ length: 100 }, (_, n) => log.append({ n })));
    expect(platform.syncs()).toBe(2);
    expect(await rowsOnDisk()).toEqual(Array.from({ length: 100 }, (_, n) => n));
  });

  test("appends made one after another each get their own fsync", async () => {
    for (let n = 0; n < 5; n++) await log.append({ n });
    expect(platform.syncs()).toBe(5);
  });

  test("an append resolves only after the fsync that covers it has returned", async () => {
    await log.append({ n: 1 }).then(() => platform.events.push("resolved"));
    expect(platform.events).toEqual(["write", "sync", "resolved"]);
  });

  test("appends arriving during a batch's fsync keep their order in the next batch", async () => {
    const first = log.append({ n: 0 });
    const later = [1, 2, 3].map((n) => log.append({ n }));
    await first;
    const last = log.append({ n: 4 });
    await Promise.all([...later, last]);
    expect(await rowsOnDisk()).toEqual([0, 1, 2, 3, 4]);
  });

  test("after close, appends are refused and a late compaction does not reopen the file", async () => {
    await log.append({ n: 1 });
    await log.close();
    await expect(log.append({ n: 2 })).rejects.toThrow("closed");
    log.compact(() => []);
    await log.flush();
    expect(await rowsOnDisk()).toEqual([1]);
  });
});

describe("a full disk", () => {
  test("ENOSPC part-way through a batch is one StorageFullError (storage_full) for every caller, and the file is cut back", async () => {
    await log.append({ n: 1 });
    platform.partialWrite = 5;
    const results = await Promise.allSettled([log.append({ n: 2 }), log.append({ n: 3 })]);
    for (const result of results) {
      expect(result.status).toBe("rejected");
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(StorageFullError);
      expect(error).toBeInstanceOf(StateError);
      expect(error).toMatchObject({ code: "storage_full", path });
      expect(error.message).toContain(`no space left for ${path} (ENOSPC); nothing was written`);
    }
    expect(await onDisk()).toBe(line(1));
  });

  test("a used-up quota (EDQUOT) is the same error; other failures (EIO) pass through as they are", async () => {
    platform.failWritesWith = "EDQUOT";
    expect(await log.append({ n: 1 }).catch((e: unknown) => e)).toMatchObject({ code: "storage_full", message: expect.stringContaining("(EDQUOT)") });
    platform.failSyncs = 1;
    const io = await log.append({ n: 2 }).catch((e: unknown) => e);
    expect(io).not.toBeInstanceOf(StorageFullError);
    expect(String(io)).toContain("EIO");
    expect(await rowsOnDisk()).toEqual([]);
  });

  test("no room to create the file at all is a StorageFullError too, and a later append creates it", async () => {
    platform.failOpens = 1;
    expect(await log.append({ n: 1 }).catch((e: unknown) => e)).toBeInstanceOf(StorageFullError);
    expect(await readFile(path, "utf8").catch((e: { code: string }) => e.code)).toBe("ENOENT");
    await log.append({ n: 2 });
    expect(await rowsOnDisk()).toEqual([2]);
  });
});

describe("cut-back of a failed batch", () => {
  test("a write that fails part-way (disk full) is cut back to the last complete record; the next append lands whole", async () => {
    await log.append({ n: 1 });
    platform.partialWrite = 5;
    const failed = Promise.all([log.append({ n: 2, text: "в середине" }), log.append({ n: 3 })]);
    await expect(failed).rejects.toThrow("ENOSPC");
    expect(await onDisk()).toBe(line(1));
    await log.append({ n: 4 });
    expect(await onDisk()).toBe(line(1) + line(4));
    expect((await replay()).rows.map((row) => row.n)).toEqual([1, 4]);
  });

  test("a batch whose fsync fails is cut back too: its callers were told it failed, so it must not come back", async () => {
    await log.append({ n: 1 });
    platform.failSyncs = 1;
    await expect(log.append({ n: 2 })).rejects.toThrow("EIO");
    expect(await onDisk()).toBe(line(1));
  });

  test("a cut-back that fails is done before the next write, so no half line is buried in the middle", async () => {
    await log.append({ n: 1 });
    platform.partialWrite = 4;
    platform.failTruncates = 1;
    await expect(log.append({ n: 2 })).rejects.toThrow("ENOSPC");
    expect(await onDisk()).toBe(line(1) + line(2).slice(0, 4));
    await log.append({ n: 3 });
    expect(await onDisk()).toBe(line(1) + line(3));
  });

  test("while the cut-back keeps failing, nothing more is appended after the half line", async () => {
    platform.partialWrite = 4;
    platform.failTruncates = 2;
    await expect(log.append({ n: 1 })).rejects.toThrow("ENOSPC");
    await expect(log.append({ n: 2 })).rejects.toThrow("truncate");
    expect(await onDisk()).toBe(line(1).slice(0, 4));
  });
});

describe("replay", () => {
  test("a missing file is an empty log", async () => {
    expect((await replay()).result).toEqual({ records: 0, size: 0, needsNewline: false });
  });

  test("records come in order with their line numbers; blank lines are skipped", async () => {
    await writeFile(path, line(1) + "\n  \n" + line(2));
    const { rows, result } = await replay();
    expect(rows).toEqual([{ n: 1, line: 1 }, { n: 2, line: 4 }]);
    expect(result).toEqual({ records: 2, size: (line(1) + "\n  \n" + line(2)).length, needsNewline: false });
  });

  test("a torn last line is cut off with a warning naming file:line; read-only replay leaves the file alone", async () => {
    const torn = line(1) + line(2) + '{"n":3,"te';
    await writeFile(path, torn);
    const readOnly = await replay({ repairTail: false });
    expect(readOnly.rows.map((row) => row.n)).toEqual([1, 2]);
    expect(readOnly.warnings).toEqual([`${path}:3: torn last record (not valid JSON); ignored`]);
    expect(await onDisk()).toBe(torn);
    const repaired = await replay();
    expect(repaired.warnings).toEqual([`${path}:3: torn last record (not valid JSON); cut off`]);
    expect(repaired.result).toEqual({ records: 2, size: (line(1) + line(2)).length, needsNewline: false });
    expect(await onDisk()).toBe(line(1) + line(2));
  });

  test("a tail torn inside a multi-byte character is cut at the exact byte", async () => {
    const bytes = new TextEncoder().encode(line(1) + '{"n":2,"text":"ключ"}');
    await writeFile(path, bytes.subarray(0, bytes.length - 5)); // inside "ч"
    expect((await replay()).rows.map((row) => row.n)).toEqual([1]);
    expect(await onDisk()).toBe(line(1));
  });

  test("an unparsable line with only blank lines after it is a torn tail too (a crash can leave zeros or spaces)", async () => {
    await writeFile(path, line(1) + '{"n":2,"te\0\0\0\0\n  \n\n');
    const { rows, warnings } = await replay();
    expect(rows.map((row) => row.n)).toEqual([1]);
    expect(warnings[0]).toContain(`${path}:2: torn last record (not valid JSON)`);
    expect(await onDisk()).toBe(line(1));
  });

  test("a whole last line of JSON that is no record is damage, not a torn tail: it was written whole, so it is not cut", async () => {
    const text = line(1) + '{"x":1}\n\n';
    await writeFile(path, text);
    const error = await replay().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).message).toStartWith(`${path}:2: damaged record (no "n"); not starting`);
    expect(await onDisk()).toBe(text);
  });

  test("the first damage is the one named, even when a later whole line is no record", async () => {
    await writeFile(path, line(1) + "garbage\n" + '{"x":1}\n' + line(4));
    expect(String(await replay().catch((e: unknown) => e))).toContain(`${path}:2: damaged record (not valid JSON)`);
  });

  test("a complete last record without its newline counts, and the next append adds the newline first", async () => {
    await writeFile(path, line(1) + JSON.stringify({ n: 2 }));
    const { rows, result } = await replay();
    expect(rows.map((row) => row.n)).toEqual([1, 2]);
    expect(result.needsNewline).toBe(true);
    log = new AppendLog<Row>({ platform, path, replayed: result });
    await log.append({ n: 3 });
    expect(await onDisk()).toBe(line(1) + line(2) + line(3));
  });

  test("a damaged line followed by good ones is a StateError naming file:line, the reason and the fix; the file is untouched", async () => {
    const text = line(1) + "garbage\n" + line(3);
    await writeFile(path, text);
    const error = await replay({ damaged: { code: "test_damaged", fix: "delete that line." } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).code).toBe("test_damaged");
    expect((error as StateError).message).toStartWith(`${path}:2: damaged record (not valid JSON) followed by good ones`);
    expect((error as StateError).message).toEndWith("Fix: delete that line.");
    expect(await onDisk()).toBe(text);
  });

  test("a value the decoder refuses is damage like broken JSON", async () => {
    await writeFile(path, line(1) + '{"m":2}\n' + line(3));
    expect(String(await replay().catch((e: unknown) => e))).toContain(`${path}:2: damaged record (no "n")`);
  });

  test("repair mode hands every damaged line over, with its number and text, and neither throws nor cuts", async () => {
    const text = line(1) + "garbage\n" + line(3) + "{torn";
    await writeFile(path, text);
    const damaged: Array<[number, string, string]> = [];
    const { rows } = await replay({ onDamaged: (number, reason, lineText) => void damaged.push([number, reason, lineText]) });
    expect(rows.map((row) => row.n)).toEqual([1, 3]);
    expect(damaged).toEqual([[2, "not valid JSON", "garbage"], [4, "not valid JSON", "{torn"]]);
    expect(await onDisk()).toBe(text);
  });
});

describe("compaction", () => {
  test("the file becomes the snapshot; lines queued with it are not written twice; appends go on after it", async () => {
    await log.append({ n: 1 });
    await log.append({ n: 2 });
    const queued = log.append({ n: 3 });
    log.compact(() => [{ n: 10 }, { n: 3 }]);
    await queued;
    expect(log.appendsSinceCompaction).toBe(0);
    await log.append({ n: 4 });
    expect(await rowsOnDisk()).toEqual([10, 3, 4]);
    expect(log.appendsSinceCompaction).toBe(1);
    expect((await replay()).rows.map((row) => row.n)).toEqual([10, 3, 4]);
  });

  test("a failed compaction leaves the old file intact and appending carries on; it can be tried again", async () => {
    const reported: unknown[] = [];
    log = new AppendLog<Row>({ platform, path, replayed: { size: 0, needsNewline: false }, onCompactionError: (error) => void reported.push(error) });
    await log.append({ n: 1 });
    platform.failCompactions = 1;
    const queued = log.append({ n: 2 });
    log.compact(() => [{ n: 1 }, { n: 2 }, { n: 99 }]);
    await queued;
    expect(String(reported[0])).toContain("ENOSPC");
    await log.append({ n: 3 });
    expect(await rowsOnDisk()).toEqual([1, 2, 3]);
    log.compact(() => [{ n: 3 }]);
    await log.flush();
    expect(await rowsOnDisk()).toEqual([3]);
  });

  test("a failed write after a compaction is cut back to the snapshot's end", async () => {
    await log.append({ n: 1 });
    log.compact(() => [{ n: 7, text: "longer than the file it replaces" }]);
    await log.flush();
    platform.partialWrite = 3;
    await expect(log.append({ n: 8 })).rejects.toThrow("ENOSPC");
    expect(await onDisk()).toBe(line(7, "longer than the file it replaces"));
  });
});

describe("openAppendLog", () => {
  test("replays the records with their lines and appends after them, the torn tail cut", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tgsignal-openlog-"));
    try {
      const path = join(dir, "x.log");
      await writeFile(path, '{"n":1}\n\n{"n":2}\n{"n":');
      const warnings: string[] = [];
      const decode = (value: unknown) => (typeof (value as { n?: unknown }).n === "number" ? (value as { n: number }) : "no n");
      const { records, log } = await openAppendLog<{ n: number }, { n: number }>({ platform: bunPlatform, path, decode, repairTail: true, onWarning: (m) => warnings.push(m) });
      expect(records).toEqual([{ record: { n: 1 }, line: 1 }, { record: { n: 2 }, line: 3 }]);
      expect(warnings).toHaveLength(1);
      await log.append({ n: 3 });
      await log.close();
      expect(await readFile(path, "utf8")).toBe('{"n":1}\n\n{"n":2}\n{"n":3}\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
