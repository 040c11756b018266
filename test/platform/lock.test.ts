import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockDataDir, lockOwner } from "../../src/platform/lock.ts";
import { StateError, StorageFullError } from "../../src/lib/errors.ts";
import { listFiles, mountTmpfs, TMPFS_UNAVAILABLE, type Tmpfs } from "./tmpfs.ts";

/** A live process that is not tgsignal (`sleep`), or one whose command line looks like it. */
async function liveProcess(looksLikeTgsignal: boolean) {
  const dir = await mkdtemp(join(tmpdir(), "tgs-owner-"));
  const script = join(dir, looksLikeTgsignal ? "main.ts" : "idle.ts");
  await writeFile(script, "await Bun.sleep(30_000);\n");
  const proc = Bun.spawn([process.execPath, script], { stdout: "ignore", stderr: "ignore" });
  const stat = await eventuallyRead(`/proc/${proc.pid}/stat`);
  const started = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
  return { pid: proc.pid, started, stop: () => proc.kill("SIGKILL") };
}

async function eventuallyRead(path: string): Promise<string> {
  for (;;) {
    const text = await readFile(path, "utf8").catch(() => "");
    if (text) return text;
    await Bun.sleep(5);
  }
}

const HAS_PROC = await readFile("/proc/self/stat", "utf8").then(() => true, () => false);

describe("data dir lock", () => {
  test("the lock names our pid and start time; a second owner is refused while the first lives", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tgs-lock-"));
    const lock = await lockDataDir(dir);
    expect(await readFile(lock.path, "utf8")).toMatch(HAS_PROC ? new RegExp(`^${process.pid}\\nstarted \\d+\\n$`) : new RegExp(`^${process.pid}\\n$`));
    await lock.release();
    const owner = await liveProcess(false);
    try {
      await writeFile(join(dir, "tgsignal.lock"), `${owner.pid}\nstarted ${owner.started}\n`);
      const refused = await lockDataDir(dir).catch((error) => error);
      expect(refused).toBeInstanceOf(StateError);
      expect(refused.message).toContain(`in use by another tgsignal (pid ${owner.pid})`);
    } finally {
      owner.stop();
    }
  });

  test("lockOwner names a live owner, and leaves a stale lock (and no lock) alone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tgs-lock-"));
    expect(await lockOwner(dir)).toBeUndefined();
    await writeFile(join(dir, "tgsignal.lock"), "999999999\n");
    expect(await lockOwner(dir)).toBeUndefined();
    expect(await readFile(join(dir, "tgsignal.lock"), "utf8")).toBe("999999999\n");
    const owner = await liveProcess(false);
    try {
      await writeFile(join(dir, "tgsignal.lock"), `${owner.pid}\nstarted ${owner.started}\n`);
      expect(await lockOwner(dir)).toBe(owner.pid);
    } finally {
      owner.stop();
    }
    // Our own lock is not "another server" (a fresh dir: the killed owner may still be exiting).
    const own = await mkdtemp(join(tmpdir(), "tgs-lock-"));
    const lock = await lockDataDir(own);
    expect(await lockOwner(own)).toBeUndefined();
    await lock.release();
  });

  test("a stale lock from a dead process is taken over", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tgs-lock-"));
    await writeFile(join(dir, "tgsignal.lock"), "999999999\n");
    const lock = await lockDataDir(dir);
    expect(await readFile(lock.path, "utf8")).toStartWith(`${process.pid}\n`);
    await lock.release();
    const again = await lockDataDir(dir);
    await again.release();
  });

  test.skipIf(!HAS_PROC)("a recycled pid is not an owner: another start time, or a pid-only lock on another program", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tgs-lock-"));
    const other = await liveProcess(false);
    const lookalike = await liveProcess(true);
    try {
      // `echo 1 > data/tgsignal.lock`, or a reboot that gave the old pid to another program.
      await writeFile(join(dir, "tgsignal.lock"), `${other.pid}\nstarted ${Number(other.started) + 1}\n`);
      await (await lockDataDir(dir)).release();
      await writeFile(join(dir, "tgsignal.lock"), `${other.pid}\n`);
      await (await lockDataDir(dir)).release();
      // A pid-only lock (an older version's) whose process looks like tgsignal still counts.
      await writeFile(join(dir, "tgsignal.lock"), `${lookalike.pid}\n`);
      expect(await lockDataDir(dir).catch((error) => error)).toBeInstanceOf(StateError);
    } finally {
      other.stop();
      lookalike.stop();
    }
  });
});

test("processes starting at the same moment: exactly one gets the lock", async () => {
  // The lock file used to exist empty for a moment before its pid was written; a second
  // process reading it then took it for stale, removed it and locked too: two owners.
  const dir = await mkdtemp(join(tmpdir(), "tgs-lock-race-"));
  const script = join(dir, "take.ts");
  // The winner holds the lock until its stdin closes, which the test does once every
  // process has answered: no fixed sleep, and a loser can never see the winner gone.
  await writeFile(
    script,
    `import { lockDataDir } from ${JSON.stringify(join(import.meta.dir, "../../src/platform/lock.ts"))};
     const go = Number(process.argv[2]);
     while (Date.now() < go) {}
     try { await lockDataDir(process.argv[3]); console.log("got"); for await (const _ of Bun.stdin.stream()) {} }
     catch { console.log("refused"); }`,
  );
  for (let round = 0; round < 3; round++) {
    const data = join(dir, `data-${round}`);
    const go = Date.now() + 400;
    const procs = Array.from({ length: 8 }, () =>
      Bun.spawn([process.execPath, script, String(go), data], { stdin: "pipe", stdout: "pipe", stderr: "inherit" }),
    );
    const answers = await Promise.all(procs.map((proc) => firstLine(proc.stdout)));
    for (const proc of procs) proc.stdin.end();
    await Promise.all(procs.map((proc) => proc.exited));
    expect(answers.filter((answer) => answer === "got")).toHaveLength(1);
    expect(answers.filter((answer) => answer === "refused")).toHaveLength(7);
  }
}, 30_000);

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes("\n")) break;
  }
  return text.trim();
}

test("a data dir that cannot be created is a data dir problem (exit 3), naming data_dir", async () => {
  // It was a plain error (exit 4, restarted by systemd every 2 s) reading only
  // "ENOTDIR: not a directory, mkdir ..." — read-only or foreign-owned dirs are the same case.
  const dir = await mkdtemp(join(tmpdir(), "tgs-lock-"));
  await writeFile(join(dir, "file"), "");
  const refused = await lockDataDir(join(dir, "file", "data")).catch((error) => error);
  expect(refused).toBeInstanceOf(StateError);
  expect(refused.message).toContain(`cannot use data dir ${join(dir, "file", "data")}`);
  expect(refused.message).toContain("data_dir");
});

describe("temp files that failed or killed writers left", () => {
  const DEAD = 999_999_999;

  test("are removed when the lock is taken: writeFileAtomic's and the lock's, in the data dir and its subdirectories", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tgs-lock-temps-"));
    await mkdir(join(dir, "offsets"));
    const stale = [`.outbox.log.${DEAD}.1.tmp`, `.keys.log.${DEAD}.7.tmp`, `offsets/.main.json.${DEAD}.3.tmp`, `tgsignal.lock.${DEAD}.tmp`];
    // A previous run with our pid (pid 1 in every container start) left these: ours now.
    const ownPid = [`.outbox.log.${process.pid}.2.tmp`, `tgsignal.lock.${process.pid}.tmp`];
    const kept = ["outbox.log", "keys.log", "offsets/main.json", "notes.tmp", ".outbox.log.tmp", `outbox.log.${DEAD}.1.tmp`, `offsets/tgsignal.lock.${DEAD}.tmp`];
    for (const name of [...stale, ...ownPid, ...kept]) await writeFile(join(dir, name), "x");
    const lock = await lockDataDir(dir);
    expect(await listFiles(dir)).toEqual([...kept, "tgsignal.lock"].sort());
    await lock.release();
  });

  test("of a live process stay: another instance may be writing or starting right now", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tgs-lock-temps-"));
    const other = await liveProcess(false);
    try {
      const live = [`.outbox.log.${other.pid}.1.tmp`, `tgsignal.lock.${other.pid}.tmp`];
      for (const name of live) await writeFile(join(dir, name), "x");
      const lock = await lockDataDir(dir);
      expect(await listFiles(dir)).toEqual([...live, "tgsignal.lock"].sort());
      await lock.release();
    } finally {
      other.stop();
    }
  });
});

describe.skipIf(TMPFS_UNAVAILABLE !== undefined)(`a full disk${TMPFS_UNAVAILABLE ? ` (skipped: ${TMPFS_UNAVAILABLE})` : ""}`, () => {
  let disk: Tmpfs;
  beforeEach(async () => void (disk = await mountTmpfs("128k")));
  afterEach(() => disk.unmount());

  test("no room even for the lock: StorageFullError (storage_full, exit 3), and no lock or temp file is left", async () => {
    await disk.fill();
    const refused = await lockDataDir(disk.dir).catch((error) => error);
    expect(refused).toBeInstanceOf(StorageFullError);
    expect(refused).toBeInstanceOf(StateError);
    expect(refused.message).toContain(`no space left for ${join(disk.dir, "tgsignal.lock")} (ENOSPC)`);
    expect(await listFiles(disk.dir)).toEqual([]);
    await disk.free();
    await (await lockDataDir(disk.dir)).release();
  });

  test("a dead writer's temp file taking the space is removed before the lock is written", async () => {
    await disk.fill();
    await disk.free(8192);
    await writeFile(join(disk.dir, ".outbox.log.999999999.4.tmp"), new Uint8Array(8192));
    expect(await writeFile(join(disk.dir, "probe"), "x").catch((error) => error.code)).toBe("ENOSPC");
    const lock = await lockDataDir(disk.dir);
    expect(await listFiles(disk.dir)).toEqual(["probe", "tgsignal.lock"]);
    await lock.release();
  });
});
