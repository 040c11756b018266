import { describe, expect, test } from "bun:test";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAppendFile, readBytes, truncateFile, writeFileAtomic } from "../../src/platform/node-fs.ts";

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
