// data_dir/keys.log: the key store's records, one JSON object per line (readable with jq),
// on the append-only log primitive. The full history stays: a revoked key must never be
// issued again, so the log is never compacted.
import type { LineDecoder } from "../storage/append-log.ts";
import { isKey } from "./key-format.ts";
import type { ChatType } from "./types.ts";

export const KEY_LOG_FILE = "keys.log";

export type KeyLogRecord =
  | { type: "issued"; key: string; bot: string; chat_id: number; chat_type: ChatType; username: string | null; name: string | null; requested_by?: number; language?: string; at: string }
  | { type: "revoked"; key: string; by: "user" | "admin"; at: string }
  | { type: "blocked"; key: string; reason: string; at: string }
  | { type: "migrated"; key: string; chat_id: number; from_chat_id: number; at: string };

/** What a damaged middle line of keys.log stops the start with. */
export const KEY_LOG_DAMAGED = {
  code: "key_log_damaged",
  fix:
    `stop tgsignal and run \`tgsignal keys repair -c <config>\` (moves the damaged line to ${KEY_LOG_FILE}.damaged ` +
    "and keeps the rest), or edit the file and delete or correct that line.",
};

const CHAT_TYPES: ReadonlySet<unknown> = new Set(["private", "group", "supergroup", "channel"]);

/**
 * Checks every field the key store and its readers rely on; a record that lacks one is
 * damage (its line is named, and `keys repair` moves it aside), never a crash later.
 * `at` is required on every record: the log is the history of each key, and a time
 * invented at replay (now, or the epoch) would put a false date in `tgsignal keys` and
 * GET /keys. chat_type, username and name may be left out by a hand edit (read as
 * "private", null, null), but if present they must have their type.
 */
export const decodeKeyRecord: LineDecoder<KeyLogRecord> = (value) => {
  if (typeof value !== "object" || value === null) return "not a JSON object";
  const record = value as Record<string, unknown>;
  if (!isKey(record.key)) return 'missing or bad "key"';
  const problem = checkFields(record);
  if (problem) return problem;
  if (typeof record.at !== "string") return 'missing or bad "at" (when it happened)';
  return value as KeyLogRecord;
};

/** What is wrong with the fields of the record's type, if anything. */
function checkFields(record: Record<string, unknown>): string | undefined {
  switch (record.type) {
    case "issued":
      if (typeof record.bot !== "string" || !Number.isSafeInteger(record.chat_id)) return 'issued record without "bot"/"chat_id"';
      if (record.chat_type !== undefined && !CHAT_TYPES.has(record.chat_type)) return 'bad "chat_type"';
      if (!isOptionalText(record.username) || !isOptionalText(record.name)) return '"username" and "name" must be text or null';
      if (record.requested_by !== undefined && !Number.isSafeInteger(record.requested_by)) return 'bad "requested_by"';
      if (record.language !== undefined && typeof record.language !== "string") return 'bad "language"';
      return undefined;
    case "migrated":
      return Number.isSafeInteger(record.chat_id) ? undefined : 'migrated record without "chat_id"';
    case "revoked":
    case "blocked":
      return undefined;
    default:
      return `unknown type ${JSON.stringify(record.type)}`;
  }
}

function isOptionalText(value: unknown): boolean {
  return value === undefined || value === null || typeof value === "string";
}
