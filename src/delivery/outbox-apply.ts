// What each outbox record does to a notification in memory: the same functions run when
// a record is appended and when it is replayed, so a restart rebuilds the same state.
// All of them are idempotent where a replay may repeat a record.
import type { ProgressRecord } from "./outbox-records.ts";
import type { OperationRecord } from "./outbox-op-records.ts";
import { isOperationSettled, isScheduled, isSettled, type NotificationState, type Operation, type RecipientState } from "./types.ts";

/** Applies a progress record (a part sent, a recipient failed). */
export function applyProgress(state: NotificationState, record: ProgressRecord): void {
  const recipient = state.recipients[record.r];
  if (!recipient) return;
  // A send already on the wire when the notification was deleted still counts: its
  // message ids are what the deletion has to remove.
  if (recipient.status === "cancelled" && record.t === "sent") return void addSent(state, recipient, record, false);
  if (recipient.status !== "queued") return;
  if (record.t === "failed") {
    recipient.status = "failed";
    recipient.reason = record.reason;
    recipient.doneAt = record.at;
    return;
  }
  addSent(state, recipient, record, true);
}

function addSent(state: NotificationState, recipient: RecipientState, record: Extract<ProgressRecord, { t: "sent" }>, deliver: boolean): void {
  if (record.p < recipient.next) return;
  recipient.messageIds.push(...record.mids);
  recipient.next = record.p + 1;
  if (record.fmids) recipient.fileMessageIds = record.fmids;
  if (record.fids) Object.assign(((state.fileIds ??= {})[recipient.bot] ??= {}), record.fids);
  if (record.chat !== undefined) recipient.chatId = record.chat;
  if (record.warn) recipient.warning = record.warn;
  if (deliver && recipient.next >= state.partCount) {
    recipient.status = "delivered";
    recipient.doneAt = record.at;
    delete recipient.reason;
  }
}

/**
 * Adds an edit or a deletion. A deletion cancels every recipient still queued (what
 * already went out is deleted by the worker), ends queued edits, and takes the buttons
 * away; an edit sets the buttons the message shows, and of a scheduled notification not
 * yet due it changes what will be sent (done at once: there is no message to edit yet).
 * Returns how to undo it, for an append that failed before it reached the disk.
 */
export function applyOperation(state: NotificationState, op: Operation): () => void {
  const ops = (state.ops ??= []);
  ops.push(op);
  const buttons = state.buttons;
  const undos: Array<() => void> = [];
  if (op.kind === "edit") {
    if (isPendingEdit(state, op)) undos.push(editPending(state, op));
    setButtons(state, op.keyboard);
  } else {
    setButtons(state, undefined);
    for (const recipient of state.recipients) {
      if (recipient.status !== "queued") continue;
      recipient.status = "cancelled";
      recipient.doneAt = op.at;
      undos.push(() => {
        recipient.status = recipient.next >= state.partCount ? "delivered" : "queued";
        delete recipient.doneAt;
      });
    }
    for (const earlier of ops) if (earlier !== op && earlier.kind === "edit") undos.push(...skipQueued(earlier, op.at, "the notification was deleted first"));
  }
  return () => {
    for (const undo of undos) undo();
    if (ops.at(-1) === op) ops.pop();
    setButtons(state, buttons);
  };
}

/**
 * An edit accepted before the due time of a scheduled notification (its own `at`, so a
 * replay decides the same): nothing can have gone out, since the worker sends nothing
 * before then. One-message notifications only, like any edit (operations.ts checks).
 */
function isPendingEdit(state: NotificationState, op: Operation): boolean {
  return op.kind === "edit" && isScheduled(state, op.at) && state.partCount === 1 && state.recipients.every((recipient) => recipient.next === 0);
}

/** The new text replaces the one waiting to be sent; every target is done now. */
function editPending(state: NotificationState, op: Operation): () => void {
  const text = state.parts[0];
  if (op.text !== undefined) state.parts[0] = op.text;
  const targets = op.targets.filter((target) => target.status === "queued");
  for (const target of targets) Object.assign(target, { status: "done", doneAt: op.at });
  return () => {
    if (text !== undefined) state.parts[0] = text;
    for (const target of targets) {
      target.status = "queued";
      delete target.doneAt;
    }
  };
}

function setButtons(state: NotificationState, rows: NotificationState["buttons"]): void {
  if (rows && rows.some((row) => row.length > 0)) state.buttons = rows;
  else delete state.buttons;
}

function skipQueued(op: Operation, at: number, reason: string): Array<() => void> {
  const undos: Array<() => void> = [];
  for (const target of op.targets) {
    if (target.status !== "queued") continue;
    Object.assign(target, { status: "skipped", reason, doneAt: at });
    undos.push(() => {
      target.status = "queued";
      delete target.reason;
      delete target.doneAt;
    });
  }
  return undos;
}

/** Ends operation `o` for recipient `r` (ignored unless it is still queued: replays repeat). */
export function applyOperationDone(state: NotificationState, record: Extract<OperationRecord, { t: "opdone" }>): void {
  const op = state.ops?.[record.o];
  const target = op?.targets[record.r];
  if (!op || !target || target.status !== "queued") return;
  target.status = record.status;
  target.doneAt = record.at;
  if (record.reason) target.reason = record.reason;
  else delete target.reason;
  if (record.warn) target.warning = record.warn;
  // The new text and buttons are only needed to carry it out.
  if (isOperationSettled(op)) {
    delete op.text;
    delete op.keyboard;
  }
}

/**
 * The parts are only needed to send them: dropped once nobody is queued. Not while a
 * deletion is being written: if its write fails, it is undone and delivery carries on.
 */
export function dropPartsIfDone(state: NotificationState): void {
  if (isSettled(state) && !state.ops?.some((op) => op.writing)) state.parts = [];
}

/** When anything last happened to it: retention counts from there. */
export function lastChange(state: NotificationState): number {
  let last = state.at;
  for (const recipient of state.recipients) last = Math.max(last, recipient.doneAt ?? 0);
  for (const op of state.ops ?? []) for (const target of op.targets) last = Math.max(last, target.doneAt ?? op.at);
  return last;
}
