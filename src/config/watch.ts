// Live reload triggers: directory watch (debounced) and SIGHUP.
import { basename, dirname } from "node:path";
import type { Platform, Watcher } from "../platform/platform.ts";
import type { Logger } from "../lib/log.ts";
import type { ConfigStore } from "./store.ts";

export interface ConfigWatchOptions {
  platform: Platform;
  store: ConfigStore;
  log: Logger;
  /** Quiet time after the last event before re-reading (editors write in several steps). */
  debounceMs?: number;
}

export async function watchConfig(options: ConfigWatchOptions): Promise<{ close(): Promise<void> }> {
  const { platform, store, log } = options;
  const debounceMs = options.debounceMs ?? 150;
  const file = store.current.file;
  const dir = dirname(file);
  // Kubernetes mounts ConfigMaps as symlinks into a `..data` directory that is swapped
  // atomically; any change in the directory may change what the config file points to.
  let timer: ReturnType<typeof setTimeout> | undefined;
  // If the config is a symlink into another directory, watch where it really lives too.
  const target = await platform.realPath(file).catch(() => file);
  const names = new Set([basename(file), basename(target)]);
  const trigger = (path: string) => {
    if (!concernsConfig(path, names)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void store.reload("file changed"), debounceMs);
  };
  const watchers: Watcher[] = [];
  watchers.push(await platform.watchDir(dir, trigger));
  if (dirname(target) !== dir) watchers.push(await platform.watchDir(dirname(target), trigger));
  const offSignal = platform.onSignal("SIGHUP", () => {
    log.info("SIGHUP received: reloading config");
    void store.reload("SIGHUP");
  });
  log.debug("watching config", { dir, file: basename(file) });
  return {
    async close() {
      clearTimeout(timer);
      offSignal();
      await Promise.all(watchers.map((watcher) => watcher.close()));
    },
  };
}

/**
 * Only the config file itself, or a Kubernetes `..data`-style swap (kubelet renames a
 * `..`-prefixed link over `..data`), may change the config. Anything else in the
 * directory (a log redirected there, an editor's swap file) is not a reason to reload.
 */
function concernsConfig(path: string, names: ReadonlySet<string>): boolean {
  const name = basename(path);
  return names.has(name) || name.startsWith("..");
}
