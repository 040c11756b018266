import { watch as chokidarWatch } from "chokidar";
import type { WatchOptions, Watcher } from "./platform.ts";

/**
 * Watches a directory (not the file): editors save by writing a temp file and renaming it
 * over the original, and Kubernetes swaps a `..data` symlink; both replace the inode a
 * file-level watch would follow. Any event in the directory triggers `onChange`; the
 * caller debounces and compares content.
 */
export async function watchDirectory(
  dir: string,
  onChange: (path: string) => void,
  options: WatchOptions = {},
): Promise<Watcher> {
  const watcher = chokidarWatch(dir, {
    depth: 0,
    ignoreInitial: true,
    usePolling: options.polling ?? false,
    interval: options.intervalMs ?? 250,
    binaryInterval: options.intervalMs ?? 250,
    // Follow symlinks so a ConfigMap-style `..data` swap changes what we stat.
    followSymlinks: true,
    atomic: false,
  });
  watcher.on("all", (_event, path) => onChange(path));
  await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  return {
    async close() {
      try {
        await watcher.close();
      } catch {
        // chokidar 5 on Bun can close a file's fs.watch twice after a rename-style save
        // ("cont.watcher" undefined). The watcher is gone either way, and a failed close
        // must never fail a shutdown (the lock would stay behind).
      }
    },
  };
}
