// `tgsignal keys repair`: keeps every good record of keys.log and moves damaged lines
// (with their line numbers) to keys.log.damaged, so nothing is thrown away unseen.
import type { Platform } from "../platform/platform.ts";
import { replayLog, toStorageError } from "../storage/append-log.ts";
import { decodeKeyRecord } from "./key-log.ts";

export interface RepairResult {
  kept: number;
  moved: Array<{ line: number; reason: string }>;
  damagedFile: string;
}

/** The caller holds the data dir lock: no server appends while the file is rewritten. */
export async function repairKeyLog(platform: Platform, path: string, now: () => number = Date.now): Promise<RepairResult> {
  const good: string[] = [];
  const bad: string[] = [];
  const moved: RepairResult["moved"] = [];
  await replayLog(platform, path, {
    decode: decodeKeyRecord,
    onRecord: (_record, _line, text) => void good.push(`${text}\n`),
    onDamaged: (line, reason, text) => {
      moved.push({ line, reason });
      bad.push(`# ${path}:${line} (${reason}), moved ${new Date(now()).toISOString()}\n${text}\n`);
    },
    repairTail: false,
    onWarning: () => {},
  });
  const damagedFile = `${path}.damaged`;
  if (moved.length === 0) return { kept: good.length, moved, damagedFile };
  // The damaged lines are on disk before the log is rewritten: a crash in between loses nothing.
  try {
    const damaged = await platform.openAppend(damagedFile);
    try {
      await damaged.write(bad.join(""));
      await damaged.sync();
    } finally {
      await damaged.close();
    }
    await platform.writeFileAtomic(path, good.join(""));
  } catch (error) {
    throw toStorageError(path, error);
  }
  return { kept: good.length, moved, damagedFile };
}
