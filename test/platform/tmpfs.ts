// A small tmpfs mounted for a test: a disk that really fills up, with the kernel's own
// ENOSPC and short writes. Mounting needs root (CAP_SYS_ADMIN), which CI has; elsewhere
// TMPFS_UNAVAILABLE says why, and the tests that need it are skipped with that message.
import { mkdtemp, open, readdir, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

export interface Tmpfs {
  readonly dir: string;
  /** Writes a filler file until the kernel says ENOSPC: no free page is left. */
  fill(): Promise<void>;
  /** Gives back `bytes` (whole pages) of the filler, or all of it. */
  free(bytes?: number): Promise<void>;
  unmount(): Promise<void>;
}

const FILLER = ".test-filler";

export async function mountTmpfs(size: string): Promise<Tmpfs> {
  const dir = await mkdtemp(join(tmpdir(), "tgs-tmpfs-"));
  const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stderr: "pipe" });
  if (mounted.exitCode !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`mount -t tmpfs failed: ${mounted.stderr.toString().trim()}`);
  }
  const filler = join(dir, FILLER);
  return {
    dir,
    async fill() {
      const handle = await open(filler, "a");
      const chunk = new Uint8Array(64 * 1024).fill(0x78);
      try {
        for (;;) await handle.write(chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      } finally {
        await handle.close();
      }
    },
    async free(bytes) {
      if (bytes === undefined) return rm(filler, { force: true });
      await truncate(filler, Math.max(0, (await stat(filler)).size - bytes));
    },
    async unmount() {
      // Lazy: a child process that still holds a file open must not fail the test's cleanup.
      Bun.spawnSync(["umount", "-l", dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Why no tmpfs can be mounted here, or undefined when it can. */
export const TMPFS_UNAVAILABLE: string | undefined = await mountTmpfs("64k").then(
  async (probe) => void (await probe.unmount()),
  (error: unknown) => `needs root to mount a tmpfs (CI runs as root): ${String(error)}`,
);

/** Files in `dir` and its subdirectories (relative paths), without the filler. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name !== FILLER)
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}
