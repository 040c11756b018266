// File operations through node:fs, which Bun and Deno both implement faithfully
// (including fsync). Shared by both platform implementations.
import { open, readFile, rename, mkdir, rm } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import type { AppendFile } from "./platform.ts";

export async function openAppendFile(path: string): Promise<AppendFile> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, "a");
  return {
    async write(data) {
      if (typeof data === "string") await handle.write(data);
      else await handle.write(data);
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
