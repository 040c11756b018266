// One process owns a data dir: a lock file holding the owner's pid and, where the system
// tells it (Linux /proc), the owner's start time. A lock left by a dead process (crash,
// kill -9) is taken over; so is one whose pid now belongs to another process (pids are
// recycled: after a reboot or a container restart, pid 1 is alive but is not us). A live
// owner stops the second instance.
import { link, mkdir, open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { StateError } from "../lib/errors.ts";

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
          const owner = await readOwner(path);
          if (owner?.pid === process.pid) await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = await readOwner(path);
      if (owner && owner.pid !== process.pid && (await isRunning(owner))) {
        throw new StateError(
          "data_dir_locked",
          `data dir ${dataDir} is in use by another tgsignal (pid ${owner.pid}); stop it, or give this instance its own data_dir`,
        );
      }
      // Stale lock (owner gone, pid reused by another program, or unreadable): remove and retry.
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

/** Writes our pid and start time and fsyncs them; "wx" fails with EEXIST when the file exists. */
async function writePid(path: string, flags: "w" | "wx"): Promise<void> {
  const started = await startTimeOf(process.pid);
  const handle = await open(path, flags);
  try {
    await handle.writeFile(`${process.pid}\n${started === undefined ? "" : `started ${started}\n`}`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

interface LockOwner {
  pid: number;
  /** The owner's start time in clock ticks since boot (Linux), when it was recorded. */
  started: string | undefined;
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const [first = "", second = ""] = (await readFile(path, "utf8")).split("\n");
    const pid = Number.parseInt(first, 10);
    if (!Number.isFinite(pid) || pid <= 0) return undefined;
    return { pid, started: /^started (\d+)$/.exec(second)?.[1] };
  } catch {
    return undefined;
  }
}

/**
 * Whether the lock's owner still runs. A live pid is not enough: with the start time
 * recorded, the process must have that start time; without it (a lock written by hand or
 * by an older version), its command line must look like tgsignal's. Where /proc is
 * missing (not Linux), a live pid counts: refusing is the safe side.
 */
async function isRunning(owner: LockOwner): Promise<boolean> {
  if (!isAlive(owner.pid)) return false;
  const started = await startTimeOf(owner.pid);
  if (started === undefined) return true;
  if (owner.started !== undefined) return started === owner.started;
  const command = await readFile(`/proc/${owner.pid}/cmdline`, "utf8").catch(() => undefined);
  return command === undefined || /tgsignal|main\.ts/.test(command);
}

/** Field 22 of /proc/PID/stat (start time in ticks since boot), after the "(comm)" that may hold spaces. */
async function startTimeOf(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
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
