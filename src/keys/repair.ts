// `tgsignal keys repair`: keeps every good record of keys.log and moves damaged lines
// (with their line numbers) to keys.log.damaged, so nothing is thrown away unseen.
import { appendFile, readFile } from "node:fs/promises";
import type { Platform } from "../platform/platform.ts";
import { parseRecord } from "./key-log.ts";

export interface RepairResult {
  kept: number;
  moved: Array<{ line: number; reason: string }>;
  damagedFile: string;
}

/** The caller holds the data dir lock: no server appends while the file is rewritten. */
export async function repairKeyLog(platform: Platform, path: string): Promise<RepairResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kept: 0, moved: [], damagedFile: `${path}.damaged` };
    throw error;
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const good: string[] = [];
  const bad: string[] = [];
  const moved: RepairResult["moved"] = [];
  lines.forEach((line, index) => {
    if (line.trim() === "") return;
    const parsed = parseRecord(line);
    if (typeof parsed === "string") {
      moved.push({ line: index + 1, reason: parsed });
      bad.push(`# ${path}:${index + 1} (${parsed}), moved ${new Date().toISOString()}\n${line}\n`);
    } else {
      good.push(line + "\n");
    }
  });
  const damagedFile = `${path}.damaged`;
  if (moved.length === 0) return { kept: good.length, moved, damagedFile };
  // Damaged lines first, so a crash between the two writes loses nothing.
  await appendFile(damagedFile, bad.join(""));
  await platform.writeFileAtomic(path, good.join(""));
  return { kept: good.length, moved, damagedFile };
}
