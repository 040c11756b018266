import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { atomicTempPid, openAppendFile, readBytes, truncateFile, writeFileAtomic } from "../../src/platform/node-fs.ts";
import { listFiles, mountTmpfs, TMPFS_UNAVAILABLE, type Tmpfs } from "./tmpfs.ts";

describe("append file", () => {
  test("appends and keeps earlier content", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tgs-append-"));
    const path = join(dir, "sub", "log");
    const file = await openAppendFile(path);
    await file.write("a\n");
    await file.write(new TextEncoder().encode("б\n"));
    await file.sync();
    await file.close();
    const again = await openAppendFile(path);
    await again.write("c\n");
    await again.close();
    expect(await readFile(path, "utf8")).toBe("a\nб\nc\n");
  });
});

test("writeFileAtomic replaces the file whole and leaves no temp files", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tgs-atomic-"));
  const path = join(dir, "offset.json");
  await writeFile(path, "old");
  await writeFileAtomic(path, "new");
  expect(await readFile(path, "utf8")).toBe("new");
  const { readdir } = await import("node:fs/promises");
  expect(await readdir(dir)).toEqual(["offset.json"]);
});

test("readBytes returns the exact bytes; truncateFile cuts at a byte offset, even inside a character", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tgs-bytes-"));
  const path = join(dir, "log");
  await writeFile(path, "ok\nключ");
  expect(await readBytes(path)).toEqual(new TextEncoder().encode("ok\nключ"));
  await truncateFile(path, 4);
  expect(await readBytes(path)).toEqual(new Uint8Array([111, 107, 10, 0xd0]));
});

test("a rename that fails removes the temp file: the old file stays, nothing else is left", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tgs-atomic-"));
  // A non-empty directory where the file should go: rename(2) refuses to replace it.
  await mkdir(join(dir, "offset.json", "sub"), { recursive: true });
  const error = await writeFileAtomic(join(dir, "offset.json"), "new").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  expect(await readdir(dir)).toEqual(["offset.json"]);
});

test("temp file names carry the writer's pid, and only names of that exact shape count", () => {
  expect(atomicTempPid(".outbox.log.4242.17.tmp")).toBe(4242);
  expect(atomicTempPid(".main.json.1.1.tmp")).toBe(1);
  for (const name of ["outbox.log.4242.17.tmp", ".outbox.log.tmp", ".outbox.log.4242.tmp", ".x.1.2.tmp.bak", "notes.tmp"]) expect(atomicTempPid(name)).toBeUndefined();
});

describe.skipIf(TMPFS_UNAVAILABLE !== undefined)(`on a full disk${TMPFS_UNAVAILABLE ? ` (skipped: ${TMPFS_UNAVAILABLE})` : ""}`, () => {
  let disk: Tmpfs;
  beforeEach(async () => void (disk = await mountTmpfs("128k")));
  afterEach(() => disk.unmount());

  test("writeFileAtomic fails with ENOSPC, leaves the old file as it was and no temp file, each time it is tried", async () => {
    const path = join(disk.dir, "offsets", "main.json");
    await writeFileAtomic(path, '{"offset":1}\n');
    await disk.fill();
    for (let attempt = 0; attempt < 3; attempt++) {
      const error = await writeFileAtomic(path, "x".repeat(20_000)).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe("ENOSPC");
    }
    expect(await listFiles(disk.dir)).toEqual(["offsets/main.json"]);
    expect(await readFile(path, "utf8")).toBe('{"offset":1}\n');
  });
});
