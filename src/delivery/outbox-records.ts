// The outbox.log line format (snake_case on disk, like keys.log) and its decoding.
import type { LineDecoder } from "../storage/append-log.ts";
import type { NotificationState, RecipientState, RecipientStatus } from "./types.ts";

/** Progress of one recipient, appended as the worker goes. */
export type ProgressRecord =
  | { t: "sent"; id: string; r: number; p: number; mids: number[]; at: number; chat?: number; warn?: string }
  | { t: "failed"; id: string; r: number; reason: string; at: number };

/** A line as replay decodes it. */
export type OutboxRecord = { t: "n"; state: NotificationState } | ProgressRecord;

/** A line as it is written. */
export type OutboxLine = NotificationLine | ProgressRecord;

interface RecipientLine {
  user: string;
  key: string;
  bot: string;
  chat_id: number;
  status: RecipientStatus;
  next: number;
  message_ids: number[];
  attempts?: number;
  reason?: string;
  warning?: string;
  done_at?: number;
}

interface NotificationLine {
  t: "n";
  id: string;
  at: number;
  client: string;
  idempotency_key?: string;
  fingerprint?: string;
  silent?: boolean;
  topic?: number;
  part_count: number;
  /** Present while something is queued. */
  parts?: string[];
  recipients: RecipientLine[];
}

export function encodeNotification(state: NotificationState, withParts: boolean): NotificationLine {
  const line: NotificationLine = { t: "n", id: state.id, at: state.at, client: state.client, part_count: state.partCount, recipients: [] };
  if (state.idempotencyKey) line.idempotency_key = state.idempotencyKey;
  if (state.fingerprint) line.fingerprint = state.fingerprint;
  if (state.silent) line.silent = true;
  if (state.topic !== undefined) line.topic = state.topic;
  if (withParts) line.parts = state.parts;
  line.recipients = state.recipients.map(encodeRecipient);
  return line;
}

function encodeRecipient(recipient: RecipientState): RecipientLine {
  const line: RecipientLine = {
    user: recipient.user,
    key: recipient.key,
    bot: recipient.bot,
    chat_id: recipient.chatId,
    status: recipient.status,
    next: recipient.next,
    message_ids: recipient.messageIds,
  };
  if (recipient.attempts) line.attempts = recipient.attempts;
  if (recipient.reason) line.reason = recipient.reason;
  if (recipient.warning) line.warning = recipient.warning;
  if (recipient.doneAt !== undefined) line.done_at = recipient.doneAt;
  return line;
}

/** A parsed line as a record, or why it is not a complete, well-formed one. */
export const decodeOutboxRecord: LineDecoder<OutboxRecord> = (value) => {
  if (!value || typeof value !== "object") return "not a JSON object";
  const record = value as Record<string, unknown>;
  if (record.t === "n" && typeof record.id === "string" && Array.isArray(record.recipients)) return { t: "n", state: decodeNotification(record as unknown as NotificationLine) };
  if (typeof record.id !== "string" || typeof record.r !== "number") return 'missing "id" or "r"';
  if (record.t === "sent" && typeof record.p === "number" && Array.isArray(record.mids)) return record as unknown as OutboxRecord;
  if (record.t === "failed" && typeof record.reason === "string") return record as unknown as OutboxRecord;
  return `not a notification, "sent" or "failed" record`;
};

function decodeNotification(line: NotificationLine): NotificationState {
  const state: NotificationState = {
    id: line.id,
    at: line.at,
    client: line.client,
    silent: line.silent ?? false,
    parts: line.parts ?? [],
    partCount: line.part_count,
    recipients: line.recipients.map((recipient) => {
      const state: RecipientState = {
        user: recipient.user,
        key: recipient.key,
        bot: recipient.bot,
        chatId: recipient.chat_id,
        status: recipient.status,
        next: recipient.next,
        messageIds: recipient.message_ids,
        attempts: recipient.attempts ?? 0,
      };
      if (recipient.reason) state.reason = recipient.reason;
      if (recipient.warning) state.warning = recipient.warning;
      if (recipient.done_at !== undefined) state.doneAt = recipient.done_at;
      return state;
    }),
  };
  if (line.idempotency_key) state.idempotencyKey = line.idempotency_key;
  if (line.fingerprint) state.fingerprint = line.fingerprint;
  if (line.topic !== undefined) state.topic = line.topic;
  return state;
}
