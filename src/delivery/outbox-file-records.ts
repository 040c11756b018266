// The files of a notification in outbox.log (beside outbox-records.ts, which calls these):
//   "n" lines:    "files":[{"hash","name","mime","size","as"}], "file_part":P,
//                 "file_ids":{"<bot>":{"photo:<hash>" or "document:<hash>:<name>":"<file_id>"}}
//   recipients:   "file_message_ids":[…] once the files went out
//   "sent" lines: "fids":{<the same keys>:"<file_id>"} (what this send learned), "fmids":[…]
// A file's bytes are in data_dir/files/<hash>, written and fsynced before the "n" line.
import { isCount, isObject, isText, optional } from "./outbox-op-records.ts";
import type { MediaKind, NotificationFile, NotificationState } from "./types.ts";

export interface FileLines {
  files?: NotificationFile[];
  file_part?: number;
  file_ids?: Record<string, Record<string, string>>;
}

export function encodeFiles(state: NotificationState, line: FileLines): void {
  if (!state.files || state.files.length === 0) return;
  line.files = state.files;
  if (state.filePart !== undefined) line.file_part = state.filePart;
  if (state.fileIds && Object.keys(state.fileIds).length > 0) line.file_ids = state.fileIds;
}

export function decodeFiles(line: FileLines, state: NotificationState): void {
  if (!line.files) return;
  state.files = line.files;
  if (line.file_part !== undefined) state.filePart = line.file_part;
  if (line.file_ids) state.fileIds = line.file_ids;
}

const HASH = /^[0-9a-f]{64}$/;
const KINDS: ReadonlySet<unknown> = new Set<MediaKind>(["photo", "document"]);

/** Why a notification line's files cannot be used, or undefined when they can (or it has none). */
export function checkFiles(line: Record<string, unknown>, partCount: number): string | undefined {
  if (line.files === undefined) return line.file_part === undefined ? undefined : '"file_part" without "files"';
  if (!Array.isArray(line.files) || line.files.length === 0) return '"files" must be a non-empty list';
  for (const file of line.files) {
    if (!isObject(file) || typeof file.hash !== "string" || !HASH.test(file.hash)) return 'a file without a sha256 "hash"';
    if (!isText(file.name) || !isText(file.mime) || !isCount(file.size) || !KINDS.has(file.as)) return 'a file without "name", "mime", "size" or "as"';
  }
  if (!isCount(line.file_part) || (line.file_part as number) >= partCount) return '"file_part" must be one of the parts';
  if (!optional(line.file_ids, isFileIds)) return 'bad "file_ids"';
  return undefined;
}

/** A sent record's additions: the file_ids the send learned, the files' message ids. */
export function checkSentFiles(record: Record<string, unknown>): string | undefined {
  if (!optional(record.fids, isIdMap)) return 'bad "fids"';
  if (!optional(record.fmids, (v) => Array.isArray(v) && v.every((id) => Number.isSafeInteger(id)))) return 'bad "fmids"';
  return undefined;
}

function isFileIds(value: unknown): boolean {
  return isObject(value) && Object.values(value).every(isIdMap);
}

function isIdMap(value: unknown): boolean {
  return isObject(value) && Object.values(value).every(isText);
}
