// Live reload against the real watcher: the ways config files really get replaced.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdir, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigLoader } from "../../src/config/off-thread.ts";
import { ConfigStore } from "../../src/config/store.ts";
import { watchConfig } from "../../src/config/watch.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { eventually, tempDir } from "./serve-process.ts";

const config = (port: number) => `listen: 127.0.0.1:${port}\nusers:\n  ivanov: 48213977\n`;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function watched(file: string) {
  const log = createMemoryLogger();
  // As serve does: loaded on this thread at start, reloaded through the config worker.
  const loader = new ConfigLoader({ platform: bunPlatform, clock: systemClock, file, env: {} });
  cleanups.push(async () => loader.close());
  const store = new ConfigStore(await loader.load(), () => loader.reload(), log);
  const seen: number[] = [];
  store.subscribe((next) => void seen.push(next.listen.port));
  const watcher = await watchConfig({ platform: bunPlatform, store, log, debounceMs: 50 });
  cleanups.push(() => watcher.close());
  return { store, seen, log };
}

describe("config reload with the real watcher", () => {
  test("in-place write", async () => {
    const dir = await tempDir();
    const file = join(dir, "config.yaml");
    await writeFile(file, config(1001));
    const { store } = await watched(file);
    await writeFile(file, config(1002));
    await eventually(() => store.current.listen.port === 1002, 3000, "in-place edit to apply");
  });

  test("editor-style atomic rename over the file", async () => {
    const dir = await tempDir();
    const file = join(dir, "config.yaml");
    await writeFile(file, config(1001));
    const { store } = await watched(file);
    for (const port of [1002, 1003]) {
      await writeFile(join(dir, ".config.yaml.swp"), config(port));
      await rename(join(dir, ".config.yaml.swp"), file);
      await eventually(() => store.current.listen.port === port, 3000, `rename #${port} to apply`);
    }
  });

  test("Kubernetes ConfigMap symlink swap", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "..v1"));
    await writeFile(join(dir, "..v1", "config.yaml"), config(1001));
    await symlink("..v1", join(dir, "..data"));
    await symlink("..data/config.yaml", join(dir, "config.yaml"));
    const { store } = await watched(join(dir, "config.yaml"));
    // kubelet: write a new timestamped dir, point a temp link at it, rename the link over ..data.
    await mkdir(join(dir, "..v2"));
    await writeFile(join(dir, "..v2", "config.yaml"), config(1002));
    await symlink("..v2", join(dir, "..data_tmp"));
    await rename(join(dir, "..data_tmp"), join(dir, "..data"));
    await eventually(() => store.current.listen.port === 1002, 3000, "symlink swap to apply");
  });

  test("a broken edit keeps the last good config; the fix applies", async () => {
    const dir = await tempDir();
    const file = join(dir, "config.yaml");
    await writeFile(file, config(1001));
    const { store, seen, log } = await watched(file);
    await writeFile(file, "listen: 127.0.0.1:1002\nusers:\n  ivanov: 123\n");
    await eventually(() => !store.state.lastReloadSuccessful, 3000, "the broken edit to be rejected");
    expect(store.current.listen.port).toBe(1001);
    expect(store.state.lastErrorIssues.map((i) => `${i.line}:${i.col}`)).toEqual(["3:11"]);
    expect(log.lines.some((line) => line.includes('config.yaml:3:11 users.ivanov: key "123" is not valid'))).toBe(true);
    await writeFile(file, config(1003));
    await eventually(() => store.state.lastReloadSuccessful && store.current.listen.port === 1003, 3000, "the fix to apply");
    expect(seen).toEqual([1003]);
  });

  test("a write that changes nothing is not a reload", async () => {
    const dir = await tempDir();
    const file = join(dir, "config.yaml");
    await writeFile(file, config(1001));
    const { store, seen } = await watched(file);
    await writeFile(file, config(1001));
    expect(await store.reload("test")).toBe("unchanged");
    expect(seen).toEqual([]);
  });

  test("other files in the directory never trigger a reload (a log redirected there, a swap file)", async () => {
    const dir = await tempDir();
    const file = join(dir, "config.yaml");
    await writeFile(file, config(1001));
    const { store, seen } = await watched(file);
    const reasons: string[] = [];
    const reload = store.reload.bind(store);
    store.reload = (reason) => (reasons.push(reason), reload(reason));
    for (let i = 0; i < 5; i++) {
      await writeFile(join(dir, "tgsignal.err"), `line ${i}\n`, { flag: "a" });
      await writeFile(join(dir, ".config.yaml.swp"), `swap ${i}`);
      await Bun.sleep(40);
    }
    await Bun.sleep(300);
    expect(reasons).toEqual([]);
    // The config itself still does.
    await writeFile(file, config(1002));
    await eventually(() => seen.includes(1002), 3000, "the config edit to apply");
    expect(reasons).toContain("file changed");
  });
});
