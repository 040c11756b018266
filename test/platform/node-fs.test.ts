import { describe, expect, test } from "bun:test";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAppendFile, openAppendFile, writeFileAtomic, type AppendHandle } from "../../src/platform/node-fs.ts";

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

  test("a write that fails part-way is cut back, so no half record stays in the file", async () => {
    // An OS that accepts 3 bytes, then reports the disk full.
    const content: number[] = [...new TextEncoder().encode("ok\n")];
    let calls = 0;
    const handle: AppendHandle = {
      async write(buffer, offset, length) {
        if (++calls > 1) throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
        const part = buffer.subarray(offset, offset + Math.min(3, length));
        content.push(...part);
        return { bytesWritten: part.length };
      },
      async truncate(length) {
        content.length = length;
      },
      sync: async () => {},
      close: async () => {},
    };
    const file = createAppendFile(handle, content.length);
    await expect(file.write('{"type":"issued"}\n')).rejects.toThrow("ENOSPC");
    expect(new TextDecoder().decode(new Uint8Array(content))).toBe("ok\n");
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
