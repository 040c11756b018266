// The content-addressed file store on real files in a temp dir: streamed writes named by
// sha256, commit durable before it resolves, pins that keep a file from collection, the
// start-up sweep, and a full disk that leaves no temp file behind.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StorageFullError } from "../../src/lib/errors.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { Platform } from "../../src/platform/platform.ts";
import { FileStore, HEAD_BYTES } from "../../src/storage/file-store.ts";

let dir: string;
let store: FileStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tgs-files-"));
  store = new FileStore(bunPlatform, dir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const filesDir = () => join(dir, "files");
const names = async () => (await readdir(filesDir())).sort();

describe("writing", () => {
  test("streamed chunks are stored under the sha256 of all the bytes, with the size and the head", async () => {
    const bytes = new Uint8Array(300 * 1024).map((_, i) => i % 251);
    const writer = store.begin();
    for (let at = 0; at < bytes.length; at += 7000) await writer.write(bytes.subarray(at, at + 7000));
    expect(writer.size).toBe(bytes.length);
    const file = await writer.commit();
    expect(file.hash).toBe(sha256(bytes));
    expect(file.size).toBe(bytes.length);
    expect(file.head).toEqual(bytes.subarray(0, HEAD_BYTES));
    expect(await names()).toEqual([file.hash]);
    expect(new Uint8Array(await readFile(store.path(file.hash)))).toEqual(bytes);
  });

  test("the same bytes twice are one file; an empty file is stored too", async () => {
    const a = await store.put(new TextEncoder().encode("invoice"));
    const b = await store.put(new TextEncoder().encode("invoice"));
    const empty = await store.put(new Uint8Array(0));
    expect(a.hash).toBe(b.hash);
    expect(empty.size).toBe(0);
    expect(await store.list()).toEqual([a.hash, empty.hash].sort());
  });

  test("an aborted write leaves nothing, not even its temp file", async () => {
    const writer = store.begin();
    await writer.write(new Uint8Array(1000));
    expect((await names()).some((name) => name.endsWith(".tmp"))).toBe(true);
    await writer.abort();
    expect(await names()).toEqual([]);
  });

  test("path() takes only a hash: a name can never become a path", () => {
    expect(() => store.path("../../etc/passwd")).toThrow("not a file hash");
    expect(() => store.path("invoice.pdf")).toThrow("not a file hash");
  });

  test("a full disk is a StorageFullError and the temp file is removed", async () => {
    const full: Platform = {
      ...bunPlatform,
      async openWrite(path) {
        const file = await bunPlatform.openWrite(path);
        return { ...file, write: async () => Promise.reject(Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" })) };
      },
    };
    const writer = new FileStore(full, dir).begin();
    const error = await writer.write(new Uint8Array(10)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageFullError);
    await writer.abort();
    expect(await names()).toEqual([]);
  });
});

describe("collecting", () => {
  test("a pinned file is kept until released; then collect removes it unless needed", async () => {
    const file = await store.put(new Uint8Array([1, 2, 3]));
    expect(await store.collect(file.hash, () => false)).toBe(false);
    file.release();
    expect(await store.collect(file.hash, () => true)).toBe(false);
    expect(await store.collect(file.hash, () => false)).toBe(true);
    expect(await store.list()).toEqual([]);
  });

  test("a collection racing a new commit of the same bytes never loses the new one", async () => {
    const bytes = new Uint8Array([9, 9, 9]);
    const first = await store.put(bytes);
    first.release();
    // The removal is asked for first; the second commit pins the hash at once, before it renames.
    const writer = store.begin();
    await writer.write(bytes);
    const collecting = store.collect(first.hash, () => false);
    const second = await writer.commit();
    await collecting;
    expect(await store.list()).toEqual([second.hash]);
    second.release();
  });

  test("sweep at start removes temp files and files nothing needs, and leaves other names alone", async () => {
    const kept = await store.put(new Uint8Array([1]));
    const dropped = await store.put(new Uint8Array([2]));
    kept.release();
    dropped.release();
    await writeFile(join(filesDir(), ".upload-4242-7.tmp"), "half an upload");
    await writeFile(join(filesDir(), "README"), "not ours");
    const removed = await store.sweep((hash) => hash === kept.hash);
    expect(removed).toEqual({ temps: 1, files: 1 });
    expect(await names()).toEqual(["README", kept.hash].sort());
  });

  test("sweep of a data dir without files/ is a no-op", async () => {
    expect(await store.sweep(() => false)).toEqual({ temps: 0, files: 0 });
  });
});
