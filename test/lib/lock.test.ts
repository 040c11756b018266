import { describe, expect, test } from "bun:test";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockDataDir } from "../../src/lib/lock.ts";
import { StateError } from "../../src/lib/errors.ts";

describe("data dir lock", () => {
  test("a second owner is refused while the first lives; released locks are free", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tgs-lock-"));
    // Another live process (our parent) holds it.
    await writeFile(join(dir, "tgsignal.lock"), `${process.ppid}\n`);
    const refused = await lockDataDir(dir).catch((error) => error);
    expect(refused).toBeInstanceOf(StateError);
    expect(refused.message).toContain(`in use by another tgsignal (pid ${process.ppid})`);
  });

  test("a stale lock from a dead process is taken over", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tgs-lock-"));
    await writeFile(join(dir, "tgsignal.lock"), "999999999\n");
    const lock = await lockDataDir(dir);
    expect(await readFile(lock.path, "utf8")).toBe(`${process.pid}\n`);
    await lock.release();
    const again = await lockDataDir(dir);
    await again.release();
  });
});
