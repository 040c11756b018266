// outbox.log lines for buttons, edits and deletions (snake_case on disk, like the rest):
//   {"t":"op","id":N,"op":{"kind":"edit"|"delete","at":…,"targets":[…],…}}  PATCH / DELETE accepted
//   {"t":"opdone","id":N,"o":i,"r":j,"status":…,"at":…}   operation i ended for recipient j
// and their checks: a damaged line is reported with its line number, never half-applied.
import type { Button, Operation, OperationTarget, TargetStatus } from "./types.ts";

export interface TargetLine {
  status: TargetStatus;
  attempts?: number;
  reason?: string;
  warning?: string;
  done_at?: number;
}

export interface OperationLine {
  kind: "edit" | "delete";
  at: number;
  /** Present while some target is queued. */
  text?: string;
  keyboard?: Button[][];
  idempotency_key?: string;
  fingerprint?: string;
  targets: TargetLine[];
}

export type OperationRecord =
  | { t: "op"; id: string; op: OperationLine }
  | { t: "opdone"; id: string; o: number; r: number; status: Exclude<TargetStatus, "queued">; at: number; reason?: string; warn?: string };

/**
 * The operation as a line. Its text and buttons only while some target is queued, or when
 * `withChange` (the "op" record of an edit made before a scheduled notification was sent:
 * done at once, and replaying it must change the text again).
 */
export function encodeOperation(op: Operation, withChange = false): OperationLine {
  const line: OperationLine = { kind: op.kind, at: op.at, targets: op.targets.map(encodeTarget) };
  const live = withChange || op.targets.some((target) => target.status === "queued");
  if (live && op.text !== undefined) line.text = op.text;
  if (live && op.keyboard !== undefined) line.keyboard = op.keyboard;
  if (op.idempotencyKey) line.idempotency_key = op.idempotencyKey;
  if (op.fingerprint) line.fingerprint = op.fingerprint;
  return line;
}

function encodeTarget(target: OperationTarget): TargetLine {
  const line: TargetLine = { status: target.status };
  if (target.attempts) line.attempts = target.attempts;
  if (target.reason) line.reason = target.reason;
  if (target.warning) line.warning = target.warning;
  if (target.doneAt !== undefined) line.done_at = target.doneAt;
  return line;
}

export function decodeOperation(line: OperationLine): Operation {
  const op: Operation = {
    kind: line.kind,
    at: line.at,
    targets: line.targets.map((target) => {
      const decoded: OperationTarget = { status: target.status, attempts: target.attempts ?? 0 };
      if (target.reason) decoded.reason = target.reason;
      if (target.warning) decoded.warning = target.warning;
      if (target.done_at !== undefined) decoded.doneAt = target.done_at;
      return decoded;
    }),
  };
  if (line.text !== undefined) op.text = line.text;
  if (line.keyboard !== undefined) op.keyboard = line.keyboard;
  if (line.idempotency_key) op.idempotencyKey = line.idempotency_key;
  if (line.fingerprint) op.fingerprint = line.fingerprint;
  return op;
}

const TARGET_STATUSES: ReadonlySet<unknown> = new Set<TargetStatus>(["queued", "done", "cancelled", "skipped", "failed"]);

/** Why an operation line cannot be used (for a notification of `recipients` recipients), or undefined. */
export function checkOperation(value: unknown, recipients: number): string | undefined {
  if (!isObject(value)) return "operation is not a JSON object";
  if (value.kind !== "edit" && value.kind !== "delete") return 'operation "kind" must be "edit" or "delete"';
  if (!isTime(value.at)) return 'operation without "at"';
  if (!optional(value.text, isText) || !optional(value.keyboard, isButtonRows)) return 'operation "text" or "keyboard" is bad';
  if (!optional(value.idempotency_key, isText) || !optional(value.fingerprint, isText)) return 'operation "idempotency_key" or "fingerprint" is bad';
  if (!Array.isArray(value.targets) || value.targets.length !== recipients) return 'operation "targets" must hold one entry per recipient';
  for (const target of value.targets) {
    if (!isObject(target) || !TARGET_STATUSES.has(target.status)) return 'operation target without a good "status"';
    if (!optional(target.attempts, isCount) || !optional(target.done_at, isTime)) return 'operation target "attempts" or "done_at" is bad';
    if (!optional(target.reason, isText) || !optional(target.warning, isText)) return 'operation target "reason" or "warning" is bad';
  }
  // A queued edit is carried out from these: they must be there.
  const queued = value.targets.some((target) => (target as TargetLine).status === "queued");
  if (queued && value.kind === "edit" && value.keyboard === undefined) return 'queued edit without "keyboard"';
  return undefined;
}

/** An "op" or "opdone" record, or why it is not a good one. */
export function decodeOperationRecord(value: Record<string, unknown>): OperationRecord | string {
  if (typeof value.id !== "string") return 'operation record without "id"';
  if (value.t === "op") {
    if (!isObject(value.op)) return 'operation record without "op"';
    // The target count is checked against the notification when the record is applied.
    const problem = checkOperation(value.op, Array.isArray(value.op.targets) ? value.op.targets.length : -1);
    return problem ?? { t: "op", id: value.id, op: value.op as unknown as OperationLine };
  }
  if (!isCount(value.o) || !isCount(value.r) || !isTime(value.at)) return 'opdone record without "o", "r" or "at"';
  if (value.status === "queued" || !TARGET_STATUSES.has(value.status)) return 'opdone record without a final "status"';
  if (!optional(value.reason, isText) || !optional(value.warn, isText)) return 'opdone record with a bad "reason" or "warn"';
  return value as unknown as OperationRecord;
}

/** Rows of `{text, data}` / `{text, url}` buttons, as the HTTP layer accepted them. */
export function isButtonRows(value: unknown): value is Button[][] {
  return Array.isArray(value) && value.every((row) => Array.isArray(row) && row.every(isButton));
}

function isButton(value: unknown): value is Button {
  if (!isObject(value) || !isText(value.text)) return false;
  const keys = Object.keys(value).length;
  return keys === 2 && (isText(value.data) || isText(value.url));
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isText(value: unknown): value is string {
  return typeof value === "string";
}

export function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

export function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Absent, or present and passing `check`. */
export function optional(value: unknown, check: (value: unknown) => boolean): boolean {
  return value === undefined || check(value);
}
