// Shared by the outbox tests: a temp data dir, the real Bun platform with a spy that counts
// fsyncs (around the real AppendFile, not instead of it), and notification builders.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { AppendFile, Platform } from "../../src/platform/platform.ts";
import type { NotificationState, RecipientState } from "../../src/delivery/types.ts";

export interface SpyPlatform extends Platform {
  /** What happened to append files, in order: "write", "sync" (after the real fsync returned). */
  readonly events: string[];
  syncs(): number;
  /** The next this-many fsyncs fail with EIO (after the real fsync ran). */
  failSyncs: number;
  /** The next write puts only this many bytes in the file, then fails with ENOSPC (a disk filling up). */
  fullAfter: number | undefined;
}

/** The real Bun platform; openAppend returns the real file wrapped to record writes and fsyncs. */
export function spyPlatform(): SpyPlatform {
  const events: string[] = [];
  const spy: SpyPlatform = {
    ...bunPlatform,
    events,
    failSyncs: 0,
    fullAfter: undefined,
    syncs: () => events.filter((event) => event === "sync").length,
    async openAppend(path: string): Promise<AppendFile> {
      const file = await bunPlatform.openAppend(path);
      return {
        async write(data) {
          const room = spy.fullAfter;
          spy.fullAfter = undefined;
          if (room !== undefined) {
            const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
            await file.write(bytes.subarray(0, room));
            throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
          }
          await file.write(data);
          events.push("write");
        },
        async sync() {
          await file.sync();
          events.push("sync");
          if (spy.failSyncs > 0 && spy.failSyncs--) throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
        },
        close: () => file.close(),
      };
    },
  };
  return spy;
}

export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-outbox-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

let counter = 0;

export function recipient(user: string, chatId: number): RecipientState {
  return { user, key: String(10_000_000 + chatId), bot: "main", chatId, status: "queued", next: 0, messageIds: [], attempts: 0 };
}

export function notification(at: number, options: { parts?: string[]; recipients?: RecipientState[]; idempotencyKey?: string } = {}): NotificationState {
  const parts = options.parts ?? ["hello"];
  const state: NotificationState = {
    id: `n${String(++counter).padStart(6, "0")}`,
    at,
    client: "erp",
    silent: false,
    parts,
    partCount: parts.length,
    recipients: options.recipients ?? [recipient("ivanov", 5001)],
  };
  if (options.idempotencyKey !== undefined) {
    state.idempotencyKey = options.idempotencyKey;
    state.fingerprint = "fp-" + options.idempotencyKey;
  }
  return state;
}
