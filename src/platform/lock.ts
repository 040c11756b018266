// One process owns a data dir: a lock file holding the owner's pid and, where the system
// tells it (Linux /proc), the owner's start time. A lock left by a dead process (crash,
// kill -9) is taken over; so is one whose pid now belongs to another process (pids are
// recycled: after a reboot or a container restart, pid 1 is alive but is not us). A live
// owner stops the second instance. Taking the lock also removes temp files that failed or
// killed writers left behind, and a disk too full for the lock's few bytes is a
// StorageFullError (exit 3), never a half-written lock.
import { link, mkdir, open, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { noSpaceCode, StateError, StorageFullError } from "../lib/errors.ts";
import { atomicTempPid } from "./node-fs.ts";

export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  let lock: DataDirLock;
  try {
    // First, so that space taken by a dead writer's temp file is free for the lock itself.
    await removeStaleTempFiles(dataDir, false);
    lock = await takeLock(dataDir);
  } catch (error) {
    if (error instanceof StateError) throw error;
    const noSpace = noSpaceCode(error);
    if (noSpace) throw new StorageFullError(join(dataDir, LOCK_FILE), noSpace);
    // Read-only, foreign-owned or not a directory: a person must fix it (exit 3, no restart loop).
    throw new StateError(
      "data_dir_unusable",
      `cannot use data dir ${dataDir}: ${(error as Error).message}; set data_dir in the config to a directory this user may write`,
    );
  }
  await removeStaleTempFiles(dataDir, true);
  return lock;
}

const LOCK_FILE = "tgsignal.lock";

/**
 * The pid of the live tgsignal holding the data dir's lock, or undefined. Read only: a
 * stale lock is left for the next owner to take over. For commands that read state a
 * server may be changing (`tgsignal keys` asks that server instead).
 */
export async function lockOwner(dataDir: string): Promise<number | undefined> {
  const owner = await readOwner(join(dataDir, LOCK_FILE));
  return owner && owner.pid !== process.pid && (await isRunning(owner)) ? owner.pid : undefined;
}

async function takeLock(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
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
 * The private file is removed whatever happens (a full disk fails the write).
 */
async function createLockFile(path: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writePid(tmp, "w");
    const linked = await link(tmp, path).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === "EEXIST") throw error;
        return false;
      },
    );
    if (linked) return;
  } finally {
    await rm(tmp, { force: true });
  }
  await writePid(path, "wx");
}

/**
 * Writes our pid and start time and fsyncs them; "wx" fails with EEXIST when the file
 * exists. A file this call created but could not fill (disk full) is removed: a half
 * lock would look stale to the next start, but it still takes the space.
 */
async function writePid(path: string, flags: "w" | "wx"): Promise<void> {
  const started = await startTimeOf(process.pid);
  const handle = await open(path, flags);
  try {
    await handle.writeFile(`${process.pid}\n${started === undefined ? "" : `started ${started}\n`}`);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(path, { force: true });
    throw error;
  }
  await handle.close();
}

/**
 * Removes temp files that failed or killed writers left in the data dir and its
 * subdirectories (offsets/): writeFileAtomic's `.NAME.PID.N.tmp` and the lock's
 * `tgsignal.lock.PID.tmp`, when no live process has that pid, or, once we hold the lock,
 * when it is our own pid (a previous run's: pid 1 in every container start). A live
 * other pid may be a tgsignal writing right now (or starting): its files stay. Our exact
 * names only; best effort, since a leftover costs space, not correctness.
 */
async function removeStaleTempFiles(dataDir: string, locked: boolean): Promise<void> {
  const entries = await readdir(dataDir, { withFileTypes: true }).catch(() => []);
  const dirs = [dataDir, ...entries.filter((entry) => entry.isDirectory()).map((entry) => join(dataDir, entry.name))];
  for (const dir of dirs) {
    const names = dir === dataDir ? entries.map((entry) => entry.name) : await readdir(dir).catch(() => []);
    for (const name of names) {
      const pid = atomicTempPid(name) ?? (dir === dataDir ? lockTempPid(name) : undefined);
      if (pid !== undefined && ((locked && pid === process.pid) || !isAlive(pid))) await rm(join(dir, name), { force: true }).catch(() => {});
    }
  }
}

function lockTempPid(name: string): number | undefined {
  const pid = /^tgsignal\.lock\.(\d+)\.tmp$/.exec(name)?.[1];
  return pid === undefined ? undefined : Number(pid);
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
  // kill() refuses pids beyond 32 bits with a TypeError: no such process can exist.
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid > 0x7fffffff) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
