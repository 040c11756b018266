// The outbox.log line format (snake_case on disk, like keys.log) and its decoding. Lines
// for edits and deletions are in outbox-op-records.ts.
import type { LineDecoder } from "../storage/append-log.ts";
import {
  checkOperation,
  decodeOperation,
  decodeOperationRecord,
  encodeOperation,
  isButtonRows,
  isCount,
  isObject,
  isText,
  isTime,
  optional,
  type OperationLine,
  type OperationRecord,
} from "./outbox-op-records.ts";
import { checkFiles, checkSentFiles, decodeFiles, encodeFiles, type FileLines } from "./outbox-file-records.ts";
import type { Button, NotificationState, RecipientState, RecipientStatus } from "./types.ts";

/** Progress of one recipient, appended as the worker goes. */
export type ProgressRecord =
  | { t: "sent"; id: string; r: number; p: number; mids: number[]; at: number; chat?: number; warn?: string; fids?: Record<string, string>; fmids?: number[] }
  | { t: "failed"; id: string; r: number; reason: string; at: number };

/** A line as replay decodes it. */
export type OutboxRecord = { t: "n"; state: NotificationState } | ProgressRecord | OperationRecord;

/** A line as it is written. */
export type OutboxLine = NotificationLine | ProgressRecord | OperationRecord;

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
  reply_to_message_id?: number;
  file_message_ids?: number[];
}

interface NotificationLine extends FileLines {
  t: "n";
  id: string;
  at: number;
  /** Scheduled: epoch ms it is due. */
  due_at?: number;
  client: string;
  idempotency_key?: string;
  fingerprint?: string;
  silent?: boolean;
  topic?: number;
  part_count: number;
  /** Present while something is queued. */
  parts?: string[];
  buttons?: Button[][];
  keep_buttons?: boolean;
  /** The event id this answers. */
  reply_to?: string;
  recipients: RecipientLine[];
  ops?: OperationLine[];
}

export function encodeNotification(state: NotificationState, withParts: boolean): NotificationLine {
  const line: NotificationLine = { t: "n", id: state.id, at: state.at, client: state.client, part_count: state.partCount, recipients: [] };
  if (state.dueAt !== undefined) line.due_at = state.dueAt;
  if (state.idempotencyKey) line.idempotency_key = state.idempotencyKey;
  if (state.fingerprint) line.fingerprint = state.fingerprint;
  if (state.silent) line.silent = true;
  if (state.topic !== undefined) line.topic = state.topic;
  if (withParts) line.parts = state.parts;
  if (state.buttons) line.buttons = state.buttons;
  if (state.keepButtons) line.keep_buttons = true;
  if (state.replyTo !== undefined) line.reply_to = state.replyTo;
  line.recipients = state.recipients.map(encodeRecipient);
  if (state.ops && state.ops.length > 0) line.ops = state.ops.map((op) => encodeOperation(op));
  encodeFiles(state, line);
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
  if (recipient.replyToMessageId !== undefined) line.reply_to_message_id = recipient.replyToMessageId;
  if (recipient.fileMessageIds) line.file_message_ids = recipient.fileMessageIds;
  return line;
}

/**
 * A parsed line as a record, or why it is not a complete, well-formed one. Every field the
 * outbox and the worker later rely on is checked here, so a hand-edited or damaged line
 * (`"recipients":[null]`) is reported with its line number, never a TypeError at start.
 */
export const decodeOutboxRecord: LineDecoder<OutboxRecord> = (value) => {
  if (!isObject(value)) return "not a JSON object";
  if (value.t === "n") {
    const problem = checkNotification(value);
    return problem ?? { t: "n", state: decodeNotification(value as unknown as NotificationLine) };
  }
  if (value.t === "op" || value.t === "opdone") return decodeOperationRecord(value);
  if (typeof value.id !== "string" || !isCount(value.r)) return 'missing or bad "id" or "r"';
  if (!isTime(value.at)) return 'missing or bad "at"';
  if (value.t === "sent") {
    if (!isCount(value.p) || !isIdList(value.mids)) return 'sent record without "p"/"mids"';
    if (!optional(value.chat, Number.isSafeInteger) || !optional(value.warn, isText)) return 'bad "chat" or "warn"';
    return checkSentFiles(value) ?? (value as unknown as OutboxRecord);
  }
  if (value.t === "failed") return typeof value.reason === "string" ? (value as unknown as OutboxRecord) : 'failed record without "reason"';
  return `not a notification, "sent", "failed", "op" or "opdone" record`;
};

/** Why a notification line cannot be used, or undefined when it can. */
function checkNotification(line: Record<string, unknown>): string | undefined {
  if (typeof line.id !== "string" || !isTime(line.at) || typeof line.client !== "string") return 'notification without "id", "at" or "client"';
  if (!isCount(line.part_count)) return 'missing or bad "part_count"';
  if (!optional(line.due_at, isTime)) return 'bad "due_at"';
  if (!optional(line.idempotency_key, isText) || !optional(line.fingerprint, isText)) return 'bad "idempotency_key" or "fingerprint"';
  if (!optional(line.silent, (v) => typeof v === "boolean") || !optional(line.topic, Number.isSafeInteger)) return 'bad "silent" or "topic"';
  if (!optional(line.parts, (v) => Array.isArray(v) && v.every(isText))) return '"parts" must be a list of texts';
  if (!optional(line.buttons, isButtonRows) || !optional(line.keep_buttons, (v) => typeof v === "boolean")) return 'bad "buttons" or "keep_buttons"';
  if (!optional(line.reply_to, isText)) return 'bad "reply_to"';
  const files = checkFiles(line, line.part_count);
  if (files) return files;
  if (!Array.isArray(line.recipients)) return 'missing or bad "recipients"';
  for (let index = 0; index < line.recipients.length; index++) {
    const problem = checkRecipient(line.recipients[index], line.part_count);
    if (problem) return `recipient ${index}: ${problem}`;
  }
  if (!optional(line.ops, Array.isArray)) return '"ops" must be a list';
  const ops = (line.ops ?? []) as unknown[];
  for (let index = 0; index < ops.length; index++) {
    const problem = checkOperation(ops[index], line.recipients.length);
    if (problem) return `operation ${index}: ${problem}`;
  }
  // A queued recipient is sent parts[next..]: they must all be there.
  const queued = line.recipients.some((recipient) => (recipient as RecipientLine).status === "queued");
  if (queued && (!Array.isArray(line.parts) || line.parts.length !== line.part_count)) return 'queued, but "parts" does not hold "part_count" texts';
  return undefined;
}

function checkRecipient(recipient: unknown, partCount: number): string | undefined {
  if (!isObject(recipient)) return "not a JSON object";
  if (!isText(recipient.user) || !isText(recipient.key) || !isText(recipient.bot)) return 'missing "user", "key" or "bot"';
  if (!Number.isSafeInteger(recipient.chat_id)) return 'missing or bad "chat_id"';
  if (!STATUSES.has(recipient.status)) return 'bad "status"';
  if (!isCount(recipient.next) || recipient.next > partCount) return 'bad "next"';
  if (!isIdList(recipient.message_ids)) return 'bad "message_ids"';
  if (!optional(recipient.attempts, isCount) || !optional(recipient.done_at, isTime)) return 'bad "attempts" or "done_at"';
  if (!optional(recipient.reason, isText) || !optional(recipient.warning, isText)) return 'bad "reason" or "warning"';
  if (!optional(recipient.reply_to_message_id, Number.isSafeInteger)) return 'bad "reply_to_message_id"';
  if (!optional(recipient.file_message_ids, isIdList)) return 'bad "file_message_ids"';
  return undefined;
}

const STATUSES: ReadonlySet<unknown> = new Set<RecipientStatus>(["queued", "delivered", "failed", "cancelled"]);

function isIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((id) => Number.isSafeInteger(id));
}

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
      if (recipient.reply_to_message_id !== undefined) state.replyToMessageId = recipient.reply_to_message_id;
      if (recipient.file_message_ids) state.fileMessageIds = recipient.file_message_ids;
      return state;
    }),
  };
  if (line.due_at !== undefined) state.dueAt = line.due_at;
  if (line.idempotency_key) state.idempotencyKey = line.idempotency_key;
  if (line.fingerprint) state.fingerprint = line.fingerprint;
  if (line.topic !== undefined) state.topic = line.topic;
  if (line.buttons) state.buttons = line.buttons;
  if (line.keep_buttons) state.keepButtons = true;
  if (line.reply_to !== undefined) state.replyTo = line.reply_to;
  if (line.ops) state.ops = line.ops.map(decodeOperation);
  decodeFiles(line, state);
  return state;
}
