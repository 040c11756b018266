// File operations through node:fs, which Bun and Deno both implement faithfully
// (including fsync). Shared by both platform implementations.
import { constants, openAsBlob, type Stats } from "node:fs";
import { mkdir, open, readdir, readFile, realpath, rename, rm, stat, truncate } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import type { AppendFile, FileInfo, Platform } from "./platform.ts";

const encoder = new TextEncoder();

export function openAppendFile(path: string): Promise<AppendFile> {
  return openWriter(path, "a");
}

/** A new (or emptied) file, written from the start: an upload's temp file. */
export function openWriteFile(path: string): Promise<AppendFile> {
  return openWriter(path, "w");
}

async function openWriter(path: string, flags: "a" | "w"): Promise<AppendFile> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, flags);
  return {
    async write(data) {
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      // A write may take fewer bytes than asked: go on until all are in or one fails.
      for (let written = 0; written < bytes.length; ) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
        if (bytesWritten <= 0) throw new Error(`no progress writing ${bytes.length} bytes to ${path}`);
        written += bytesWritten;
      }
    },
    sync: () => handle.sync(),
    close: () => handle.close(),
  };
}

let tmpCounter = 0;

/** `.NAME.PID.N.tmp` beside NAME: hidden, and unique per process and write. */
const ATOMIC_TEMP = /^\..+\.(\d+)\.\d+\.tmp$/;

/** The writer's pid if `name` is a temp file of writeFileAtomic (to remove ones a crash left). */
export function atomicTempPid(name: string): number | undefined {
  const pid = ATOMIC_TEMP.exec(name)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/**
 * A failure at any step (disk full while writing, fsync, rename) removes the temp file:
 * each failed attempt would otherwise leave one behind, taking the space that is short.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${++tmpCounter}.tmp`);
  try {
    const handle = await open(tmp, "w");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => {});
    throw error;
  }
  // fsync the directory so the rename itself survives a power loss.
  await syncDir(dir);
}

/** rename(2), then the directory fsynced so the new name is durable. */
export async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  await syncDir(dirname(to));
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return [];
    throw error;
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

export function readTextFile(path: string): Promise<string> {
  return readFile(path, "utf8");
}

/** A Buffer is a Uint8Array: handed over as is, not copied. */
export function readBytes(path: string): Promise<Uint8Array> {
  return readFile(path);
}

export function truncateFile(path: string, length: number): Promise<void> {
  return truncate(path, length);
}

export async function statPath(path: string): Promise<FileInfo> {
  const info = await stat(path);
  return { kind: kindOf(info), size: info.size };
}

function kindOf(info: Stats): FileInfo["kind"] {
  if (info.isFile()) return "file";
  if (info.isDirectory()) return "directory";
  if (info.isFIFO()) return "fifo";
  if (info.isSocket()) return "socket";
  return info.isCharacterDevice() || info.isBlockDevice() ? "device" : "other";
}

export const realPath = (path: string): Promise<string> => realpath(path);

const READ_CHUNK = 64 * 1024;

export async function readAtMost(path: string, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw Object.assign(new Error(`${path} is not a regular file (${kindOf(info)})`), { code: "ENOTREG", kind: kindOf(info) });
    // Read in chunks up to the cap rather than trusting the size: the file may grow meanwhile.
    const chunks: Uint8Array[] = [];
    let total = 0;
    while (total < maxBytes) {
      const chunk = new Uint8Array(Math.min(READ_CHUNK, maxBytes - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
    }
    // One buffer of its own (not a pooled one), so a caller may transfer it to a worker.
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** The Platform's file methods, the same on both runtimes: each implementation spreads this. */
export const nodeFiles = {
  openAppend: openAppendFile,
  writeFileAtomic,
  readTextFile,
  readBytes,
  truncate: truncateFile,
  stat: statPath,
  realPath,
  readAtMost,
  openWrite: openWriteFile,
  rename: renameDurably,
  remove: removeFile,
  listDir,
  openBlob: (path: string) => openAsBlob(path),
} satisfies Partial<Platform>;
