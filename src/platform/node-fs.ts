// File operations through node:fs, which Bun and Deno both implement faithfully
// (including fsync). Shared by both platform implementations.
import { mkdir, open, readFile, rename, rm, truncate } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import type { AppendFile } from "./platform.ts";

export async function openAppendFile(path: string): Promise<AppendFile> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, "a");
  return createAppendFile(handle, (await handle.stat()).size);
}

/** The subset of node:fs FileHandle an append file needs (tests hand in a failing one). */
export interface AppendHandle {
  write(buffer: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
  truncate(length: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

const encoder = new TextEncoder();

/**
 * Writes whole records or nothing: a failed or short write (disk full) is cut back to the
 * last complete size, so a half line never sits in the middle of a log that later appends
 * continue, where replay would have to stop at it as damage.
 */
export function createAppendFile(handle: AppendHandle, initialSize: number): AppendFile {
  let size = initialSize;
  return {
    async write(data) {
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      let written = 0;
      try {
        while (written < bytes.length) {
          const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
          if (bytesWritten <= 0) throw new Error(`no progress writing ${bytes.length} bytes`);
          written += bytesWritten;
        }
      } catch (error) {
        await handle.truncate(size).catch(() => {});
        throw error;
      }
      size += bytes.length;
    },
    sync: () => handle.sync(),
    close: () => handle.close(),
  };
}

let tmpCounter = 0;

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${++tmpCounter}.tmp`);
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  // fsync the directory so the rename itself survives a power loss.
  await syncDir(dir);
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
