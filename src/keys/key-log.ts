// data_dir/keys.log: the key store's records, one JSON object per line (readable with jq),
// on the append-only log primitive. The full history stays: a revoked key must never be
// issued again, so the log is never compacted.
import type { LineDecoder } from "../storage/append-log.ts";
import { isKey } from "./key-format.ts";
import type { ChatType } from "./types.ts";

export const KEY_LOG_FILE = "keys.log";

export type KeyLogRecord =
  | { type: "issued"; key: string; bot: string; chat_id: number; chat_type: ChatType; username: string | null; name: string | null; at: string }
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

/**
 * Checks what replay relies on: a valid key, and a bot and chat for the records that set
 * one. Other fields are taken as written (a hand edit may leave out username or name).
 */
export const decodeKeyRecord: LineDecoder<KeyLogRecord> = (value) => {
  if (typeof value !== "object" || value === null) return "not a JSON object";
  const record = value as Record<string, unknown>;
  if (!isKey(record.key)) return 'missing or bad "key"';
  switch (record.type) {
    case "issued":
      if (typeof record.bot !== "string" || typeof record.chat_id !== "number") return 'issued record without "bot"/"chat_id"';
      return value as KeyLogRecord;
    case "migrated":
      if (typeof record.chat_id !== "number") return 'migrated record without "chat_id"';
      return value as KeyLogRecord;
    case "revoked":
    case "blocked":
      return value as KeyLogRecord;
    default:
      return `unknown type ${JSON.stringify(record.type)}`;
  }
};
