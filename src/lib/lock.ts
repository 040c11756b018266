// One process owns a data dir: a lock file holding the owner's pid. A lock left by a
// dead process (crash, kill -9) is taken over; a live owner stops the second instance.
import { link, mkdir, open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { StateError } from "./errors.ts";

export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  try {
    return await takeLock(dataDir);
  } catch (error) {
    if (error instanceof StateError) throw error;
    // Read-only, foreign-owned or not a directory: a person must fix it (exit 3, no restart loop).
    throw new StateError(
      "data_dir_unusable",
      `cannot use data dir ${dataDir}: ${(error as Error).message}; set data_dir in the config to a directory this user may write`,
    );
  }
}

async function takeLock(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, "tgsignal.lock");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await createLockFile(path);
      return {
        path,
        async release() {
          const owner = await readPid(path);
          if (owner === process.pid) await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = await readPid(path);
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
        throw new StateError(
          "data_dir_locked",
          `data dir ${dataDir} is in use by another tgsignal (pid ${owner}); stop it, or give this instance its own data_dir`,
        );
      }
      // Stale lock (owner gone, or unreadable): remove and retry.
      await rm(path, { force: true });
    }
  }
  throw new StateError("data_dir_locked", `cannot take the lock ${path}; remove it if no tgsignal runs on this data dir`);
}

/**
 * Creates the lock file with the pid already in it: written to a private file, then
 * hard-linked into place (fails with EEXIST if taken). Creating it empty and writing the
 * pid after left a moment where a second process read no pid, took it for stale and
 * removed it: two owners. Filesystems without hard links fall back to create-then-write.
 */
async function createLockFile(path: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writePid(tmp, "w");
  try {
    await link(tmp, path);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw error;
  } finally {
    await rm(tmp, { force: true });
  }
  await writePid(path, "wx");
}

/** Writes our pid and fsyncs it; "wx" fails with EEXIST when the file exists. */
async function writePid(path: string, flags: "w" | "wx"): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.writeFile(`${process.pid}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path, "utf8"), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
