// The config file is input too: only a regular file (or a symlink to one) of at most
// 4 MiB is read, and never more than the cap, whatever the file does meanwhile.
import { describe, expect, test } from "bun:test";
import { mkdir, symlink, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadConfigFile, MAX_CONFIG_BYTES, readConfigFile } from "../../src/config/load.ts";
import { ConfigError, formatIssue } from "../../src/lib/errors.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { readAtMost } from "../../src/platform/node-fs.ts";
import type { Platform } from "../../src/platform/platform.ts";
import { tempDir } from "../integration/serve-process.ts";

async function refusal(path: string, platform: Platform = bunPlatform): Promise<string> {
  try {
    await readConfigFile(platform, path, "config.yaml");
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue).join("\n");
    throw error;
  }
  throw new Error("expected the file to be refused");
}

async function mkfifo(path: string): Promise<void> {
  const made = Bun.spawnSync(["mkfifo", path]);
  if (made.exitCode !== 0) throw new Error(`mkfifo failed: ${made.stderr.toString()}`);
}

describe("what the config may be", () => {
  test("a symlink to a regular file is read (Kubernetes mounts ConfigMaps that way)", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "..data"));
    await writeFile(join(dir, "..data", "config.yaml"), "users:\n  ivanov: 48213977\n");
    await symlink("..data/config.yaml", join(dir, "config.yaml"));
    const config = await loadConfigFile(bunPlatform, join(dir, "config.yaml"), { env: {}, displayName: "config.yaml" });
    expect(config.users.get("ivanov")?.keys).toEqual(["48213977"]);
  });

  test("a symlink to /dev/zero is refused before anything is read (it took 5.8 GB in 16 s)", async () => {
    const dir = await tempDir();
    await symlink("/dev/zero", join(dir, "config.yaml"));
    expect(await refusal(join(dir, "config.yaml"))).toBe(
      "config.yaml:1:1 cannot read config: it is a device (it leads to /dev/zero), not a regular file; point -c at a regular file (a symlink to one is fine)",
    );
  });

  test("a FIFO is refused without being opened (reading one blocked every reload)", async () => {
    const dir = await tempDir();
    await mkfifo(join(dir, "config.yaml"));
    // No writer ever opens it: a blocking open would hang this test until its timeout.
    expect(await refusal(join(dir, "config.yaml"))).toContain("cannot read config: it is a FIFO (named pipe), not a regular file");
  });

  test("a FIFO swapped in between the check and the open gets the same answer (a reload raced a rename)", async () => {
    const dir = await tempDir();
    const file = join(dir, "config.yaml");
    await writeFile(file, "listen: 127.0.0.1:0\n");
    // The stat sees the regular file; by the open, a FIFO has been renamed over it.
    const racing: Platform = { ...bunPlatform, readAtMost: async (path, max) => (await mkfifo(path + ".fifo"), readAtMost(path + ".fifo", max)) };
    expect(await refusal(file, racing)).toContain("cannot read config: it is a FIFO (named pipe), not a regular file");
  });

  test("a directory is refused", async () => {
    const dir = await tempDir();
    expect(await refusal(dir)).toContain("it is a directory");
  });

  test("a missing file names the ways to point at one", async () => {
    const dir = await tempDir();
    expect(await refusal(join(dir, "nope.yaml"))).toBe(
      "config.yaml:1:1 cannot read config: file not found; pass -c FILE or set TGSIGNAL_CONFIG (start from config.example.yaml)",
    );
  });
});

describe("the size cap", () => {
  test("a file over 4 MiB is refused by its size, without reading it", async () => {
    const dir = await tempDir();
    const file = join(dir, "config.yaml");
    await writeFile(file, "");
    await truncate(file, 5 * 1024 * 1024); // sparse: no disk used
    const reads: string[] = [];
    const platform: Platform = { ...bunPlatform, readAtMost: (path, max) => (reads.push(path), bunPlatform.readAtMost(path, max)) };
    expect(await refusal(file, platform)).toBe(
      "config.yaml:1:1 the file is 5,242,880 bytes; a config may be at most 4 MiB (4,194,304 bytes; a 10,000-user config is about 300 KiB)",
    );
    expect(reads).toEqual([]);
  });

  test("exactly 4 MiB is read", async () => {
    const dir = await tempDir();
    const file = join(dir, "config.yaml");
    await writeFile(file, "#".repeat(MAX_CONFIG_BYTES));
    expect((await readConfigFile(bunPlatform, file, "config.yaml")).length).toBe(MAX_CONFIG_BYTES);
  });

  test("a file that grows past the cap after the size check is still read no further than the cap", async () => {
    const dir = await tempDir();
    const file = join(dir, "config.yaml");
    await writeFile(file, "");
    await truncate(file, 64 * 1024 * 1024);
    // The stat sees the small file it was a moment ago; the read finds 64 MiB.
    const requested: number[] = [];
    const platform: Platform = {
      ...bunPlatform,
      stat: async () => ({ kind: "file", size: 100 }),
      readAtMost: async (path, max) => {
        requested.push(max);
        return bunPlatform.readAtMost(path, max);
      },
    };
    expect(await refusal(file, platform)).toContain("the file is still growing past the cap; a config may be at most 4 MiB");
    expect(requested).toEqual([MAX_CONFIG_BYTES + 1]);
  });
});

describe("readAtMost", () => {
  test("reads the whole file when smaller, and only the first bytes when larger", async () => {
    const dir = await tempDir();
    const file = join(dir, "f");
    await writeFile(file, "0123456789");
    expect(new TextDecoder().decode(await readAtMost(file, 100))).toBe("0123456789");
    expect(new TextDecoder().decode(await readAtMost(file, 4))).toBe("0123");
    // A buffer of its own, exactly the size read: safe to transfer to a worker.
    expect((await readAtMost(file, 4)).buffer.byteLength).toBe(4);
  });

  test("refuses a FIFO swapped in after the stat, without blocking on it", async () => {
    const dir = await tempDir();
    await mkfifo(join(dir, "fifo"));
    await expect(readAtMost(join(dir, "fifo"), 100)).rejects.toMatchObject({ code: "ENOTREG" });
  });

  test("refuses a device", async () => {
    await expect(readAtMost("/dev/zero", 100)).rejects.toMatchObject({ code: "ENOTREG" });
  });
});
