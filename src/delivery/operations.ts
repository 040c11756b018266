// PATCH and DELETE /messages/{id}: an edit or deletion of what every recipient received,
// checked, made durable in the outbox, and handed to the worker (which runs it in each
// recipient's chat lane, after the message itself). Of a scheduled notification not yet
// due, an edit changes what will be sent and a deletion cancels it (both done at once).
// Operations on one notification are taken one at a time, so two requests never both
// pass the same check.
import { createHash } from "node:crypto";
import type { Clock } from "../lib/clock.ts";
import { RequestError } from "../lib/errors.ts";
import { formatMessageWithin, type Format } from "./format.ts";
import { RENDER_LIMITS, type Caller } from "./notifier.ts";
import type { OutboxStore } from "./outbox.ts";
import { splitText } from "./split.ts";
import { isDeleted, isOperationSettled, isScheduled, type Button, type NotificationState, type Operation, type OperationTarget } from "./types.ts";
import { waitUntil } from "./wait.ts";
import type { DeliveryWorker } from "./worker.ts";

/** Edits per notification (plus one deletion): enough for any status board, bounded for memory and the log. */
export const MAX_OPERATIONS = 50;

export interface EditInput {
  /** The new text (format and title apply to it); absent: only the buttons change. */
  text?: string;
  format: Format;
  title?: string;
  /** The buttons the message shows afterwards ([] removes them); absent: see keyboardAfter. */
  buttons?: Button[][];
}

export interface MessageOperationsOptions {
  outbox: OutboxStore;
  worker: Pick<DeliveryWorker, "enqueue" | "interrupt" | "isDelivering">;
  clock: Clock;
}

export interface Requested {
  state: NotificationState;
  op: Operation;
  /** True when this repeats an earlier request (an Idempotency-Key, or a second DELETE): nothing new was queued. */
  replayed: boolean;
}

export class MessageOperations {
  readonly #serial = new Map<string, Promise<unknown>>();

  constructor(private readonly options: MessageOperationsOptions) {}

  edit(id: string, input: EditInput, caller: Caller, idempotencyKey?: string): Promise<Requested> {
    return this.#serially(id, async () => {
      const state = this.#find(id, caller);
      // Rendered first: a long markdown text gives the event loop turns, and the worker may
      // send meanwhile (a due time may pass). Everything below is read after it, at once.
      const text = input.text === undefined ? undefined : await renderOneMessage({ ...input, text: input.text });
      const fingerprint = idempotencyKey === undefined ? undefined : fingerprintOf(input);
      const earlier = idempotencyKey === undefined ? undefined : state.ops?.find((op) => op.idempotencyKey === idempotencyKey);
      if (earlier && earlier.fingerprint !== fingerprint)
        throw new RequestError("idempotency_key_reused", `Idempotency-Key "${idempotencyKey}" was already used for a different edit of ${id}; use a new key for a new edit`);
      if (earlier) return { state, op: earlier, replayed: true };
      const now = this.options.clock.now();
      const scheduled = isScheduled(state, now);
      const keyboard = keyboardAfter(state, input, scheduled);
      checkEditable(state, scheduled);
      // A file's caption is not a message text (editMessageText refuses it); its buttons are editable.
      if (text !== undefined && state.files)
        throw new RequestError("not_editable", `notification ${state.id} carries files; their caption cannot be edited, only the buttons (send a new notification for a new text)`);
      const op: Operation = { kind: "edit", at: now, keyboard, targets: targetsOf(state, now) };
      if (text !== undefined) op.text = text;
      if (idempotencyKey !== undefined) Object.assign(op, { idempotencyKey, fingerprint });
      await this.options.outbox.recordOperation(state, op);
      this.options.worker.enqueue(state);
      return { state, op, replayed: false };
    });
  }

  /** Deletes what went out and cancels what is still queued. A second DELETE answers with the first. */
  remove(id: string, caller: Caller): Promise<Requested> {
    return this.#serially(id, async () => {
      const state = this.#find(id, caller);
      const earlier = state.ops?.find((op) => op.kind === "delete");
      if (earlier) return { state, op: earlier, replayed: true };
      const now = this.options.clock.now();
      const op: Operation = { kind: "delete", at: now, targets: targetsOf(state, now) };
      const queued = state.recipients.flatMap((recipient, index) => (recipient.status === "queued" ? [index] : []));
      // Applied (the queued recipients cancelled) before the write; waits for a send slot stop now.
      const written = this.options.outbox.recordOperation(state, op);
      for (const index of queued) this.options.worker.interrupt(state, index);
      try {
        await written;
      } catch (error) {
        // Undone: delivery carries on where it stopped.
        this.options.worker.enqueue(state);
        throw error;
      }
      await this.#cancelUnsent(state, op, queued);
      this.options.worker.enqueue(state);
      return { state, op, replayed: false };
    });
  }

  /** Resolves when `op` is done for every recipient, or after `ms`, or on `signal`. */
  waitDone(state: NotificationState, op: Operation, ms: number, signal?: AbortSignal): Promise<void> {
    return waitUntil(this.options.outbox, this.options.clock, state, () => isOperationSettled(op), ms, signal);
  }

  /**
   * A cancelled recipient with nothing sent and no send on the wire is done at once: the
   * answer says "cancelled" without waiting for its chat's lane. The others (a part out,
   * or a send whose answer is pending) are left to the worker, which deletes what went out.
   * By now (after the fsync) an interrupted wait for a send slot has ended.
   */
  async #cancelUnsent(state: NotificationState, op: Operation, queued: number[]): Promise<void> {
    const opIndex = state.ops?.indexOf(op) ?? -1;
    const unsent = (index: number) =>
      op.targets[index]!.status === "queued" && !this.options.worker.isDelivering(state, index) && state.recipients[index]!.messageIds.length === 0;
    const done = queued.filter(unsent).map((index) => this.options.outbox.recordOperationDone(state, opIndex, index, { status: "cancelled" }));
    // Applied in memory already; if the record is lost, the worker comes to the same answer after a restart.
    await Promise.all(done.map((written) => written.catch(() => {})));
  }

  #find(id: string, caller: Caller): NotificationState {
    const state = this.options.outbox.get(id);
    // Clients see only their own notifications; another client's id looks unknown.
    if (!state || state.client !== caller.id)
      throw new RequestError("not_found", `no notification "${id}"; ids are kept for 24 h after delivery (as long as events for one with buttons)`);
    return state;
  }

  async #serially<T>(id: string, run: () => Promise<T>): Promise<T> {
    const previous = this.#serial.get(id) ?? Promise.resolve();
    const result = previous.then(run);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.#serial.set(id, tail);
    void tail.then(() => this.#serial.get(id) === tail && this.#serial.delete(id));
    return result;
  }
}

function checkEditable(state: NotificationState, scheduled: boolean): void {
  if (isDeleted(state)) throw new RequestError("message_deleted", `notification ${state.id} was deleted (DELETE /messages/${state.id}); there is nothing left to edit`);
  if (state.partCount > 1)
    throw new RequestError("not_editable", `notification ${state.id} ${scheduled ? "will go out" : "went out"} as ${state.partCount} messages per recipient; only a one-message notification can be edited (delete it and send a new one)`);
  if (state.recipients.every((recipient) => recipient.status === "failed"))
    throw new RequestError("not_delivered", `notification ${state.id} reached nobody (every recipient failed; see GET /messages/${state.id}); there is nothing to edit`);
  if ((state.ops?.length ?? 0) >= MAX_OPERATIONS)
    throw new RequestError("too_many_edits", `notification ${state.id} was already edited ${MAX_OPERATIONS} times; send a new notification instead`);
}

/** The new text as Telegram HTML; it must fit one message, since an edit cannot add messages. */
async function renderOneMessage(input: EditInput & { text: string }): Promise<string> {
  const html = await formatMessageWithin(input, RENDER_LIMITS);
  const parts = html === undefined ? [] : splitText(html, { maxParts: 2 });
  if (html !== undefined && parts.length === 0) throw new RequestError("empty_text", "text is empty once formatting is applied; send some visible text");
  if (html === undefined || parts.length > 1)
    throw new RequestError("not_editable", "the new text would need more than one message (Telegram allows 4096 characters); an edit changes one message, so shorten it");
  return parts[0]!;
}

/**
 * The buttons after the edit: those given; without, a new text keeps the buttons only if
 * the notification said keep_buttons (otherwise its one decision is taken or withdrawn,
 * and Telegram drops buttons an edit does not repeat); a buttons-only edit needs them.
 * A scheduled notification not yet sent keeps its buttons: nobody could press them yet.
 */
function keyboardAfter(state: NotificationState, input: EditInput, scheduled: boolean): Button[][] {
  if (input.buttons !== undefined) return input.buttons;
  if (input.text === undefined) throw new RequestError("bad_edit", 'nothing to change: give "text" (with "format" and "title" if needed) and/or "buttons"');
  return state.keepButtons || scheduled ? (state.buttons ?? []) : [];
}

/** Queued for everyone who got (or will get) the message; skipped for those it never reached. */
function targetsOf(state: NotificationState, now: number): OperationTarget[] {
  return state.recipients.map((recipient) =>
    recipient.status === "failed" ? { status: "skipped", reason: `not delivered: ${recipient.reason ?? "failed"}`, attempts: 0, doneAt: now } : { status: "queued", attempts: 0 },
  );
}

function fingerprintOf(input: EditInput): string {
  const { text, format, title, buttons } = input;
  return createHash("sha256").update(JSON.stringify([text ?? null, format, title ?? null, buttons ?? null])).digest("base64url").slice(0, 22);
}
