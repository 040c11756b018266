// Delivers queued recipients, and carries out edits and deletions. One lane per (bot,
// chat) works that chat's jobs in order; lanes run concurrently and share their bot's
// rate limiter, so a busy chat waits for its own slots without stalling other chats. A
// job is one recipient of one notification: it sends the parts still queued, then the
// operations asked for since, in order, so an edit accepted while the message is still
// queued waits behind it. Every call leaves through the bot's send path
// (telegram/bot-client.ts); CallPolicy decides what its outcome means. Before each message
// the recipient's key is looked at: one revoked (by the admin, or /stop) or blocked since
// the accept fails the rest of that delivery with the reason, and nothing more is sent.
// A scheduled notification waits in the DueQueue (one timer for all) and joins the lanes when due.
import { Fifo } from "../lib/fifo.ts";
import { GenerationalSet } from "../lib/generational-map.ts";
import { errorMessage } from "../lib/errors.ts";
import type { FileStore } from "../storage/file-store.ts";
import type { SendMessageParams } from "../telegram/api.ts";
import { CallPolicy, type BotDeliveryState, type CallPolicyOptions, type CallResult, type FailureAction } from "./call-policy.ts";
import { DueQueue } from "./due-queue.ts";
import { FileSender, type FileStepHooks } from "./file-sender.ts";
import { buildKeyboard } from "./keyboard.ts";
import { OperationRunner } from "./operation-runner.ts";
import type { OutboxStore, SentFiles } from "./outbox.ts";
import { unusableKeyReason } from "./recipients.ts";
import { plainFallbackParts } from "./split.ts";
import { isScheduled, sendableFrom, type NotificationState, type Operation, type RecipientState } from "./types.ts";
import { UploadGate } from "./upload-gate.ts";

export { GIVE_UP_AFTER_MS, type BotDeliveryState, type DeliveryClient, type DeliveryEvents } from "./call-policy.ts";

export interface DeliveryWorkerOptions extends CallPolicyOptions {
  outbox: OutboxStore;
  /** Where notifications' files are (data_dir/files); without, a notification with files fails. */
  files?: Pick<FileStore, "path" | "has">;
}

interface Job {
  state: NotificationState;
  index: number;
  /** state.recipients[index]: the job's identity (no string key made per recipient). */
  recipient: RecipientState;
}

/** Where a message sits in the notification: the reply goes on the first, the buttons on the last. */
interface Placement {
  first: boolean;
  last: boolean;
}

export class DeliveryWorker {
  readonly #lanes = new Map<string, { queue: Fifo<Job>; running: Promise<void> }>();
  /** Recipients with a job in a lane: one job per recipient at a time, which does all its work. */
  readonly #scheduled = new GenerationalSet<RecipientState>();
  /** Recipients being delivered right now, with their key and what stops their waits (a deletion, a revocation). */
  readonly #delivering = new Map<RecipientState, { key: string; cancel: AbortController }>();
  readonly #abort = new AbortController();
  readonly #policy: CallPolicy;
  readonly #operations: OperationRunner;
  readonly #files: FileSender | undefined;
  readonly #due: DueQueue;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.#policy = new CallPolicy(options);
    this.#operations = new OperationRunner({ outbox: options.outbox, policy: this.#policy, log: options.log, events: options.events });
    const files = options.files;
    this.#files = files && new FileSender({ policy: this.#policy, files, gate: new UploadGate(), log: options.log });
    this.#due = new DueQueue({ clock: options.clock, onDue: (state) => this.enqueue(state), signal: this.#abort.signal });
  }

  /** Scheduled notifications waiting for their time. */
  scheduledCount(): number {
    return this.#due.size;
  }

  botState(botId: string): BotDeliveryState {
    return this.#policy.botState(botId);
  }

  /**
   * Queues a job for every recipient of `state` with something to send, edit or delete;
   * one not yet due waits for its time instead (and leaves the wait once deleted).
   */
  enqueue(state: NotificationState): void {
    if (this.#abort.signal.aborted) return;
    if (isScheduled(state, this.options.clock.now())) return this.#due.add(state);
    this.#due.delete(state.id);
    state.recipients.forEach((recipient, index) => {
      if (!hasWorkFor(state, index) || !this.#scheduled.tryAdd(recipient)) return;
      const job = { state, index, recipient };
      const laneKey = `${recipient.bot}:${recipient.chatId}`;
      const lane = this.#lanes.get(laneKey);
      if (lane) return void lane.queue.push(job);
      const queue = new Fifo<Job>();
      queue.push(job);
      this.#lanes.set(laneKey, { queue, running: this.#runLane(laneKey, queue) });
    });
  }

  /** Stops waiting to send to recipient `index` (its notification was deleted); a request already on the wire still ends. */
  interrupt(state: NotificationState, index: number): void {
    const recipient = state.recipients[index];
    if (recipient) this.#delivering.get(recipient)?.cancel.abort(new Error("deleted"));
  }

  /**
   * The key was revoked: deliveries to it that wait (for a slot, a 429 pause, a backoff)
   * stop waiting and fail at their look at the key; later ones fail at theirs. A request
   * already on the wire still ends (Telegram may have the message).
   */
  keyRevoked(key: string): void {
    for (const delivering of this.#delivering.values()) if (delivering.key === key) delivering.cancel.abort(new Error("key revoked"));
  }

  /**
   * Whether recipient `index` is being sent to. Shortly after interrupt() only a request
   * on the wire keeps it so (a wait for a slot ends at once): its message may still
   * arrive and be recorded.
   */
  isDelivering(state: NotificationState, index: number): boolean {
    const recipient = state.recipients[index];
    return recipient !== undefined && this.#delivering.has(recipient);
  }

  /** Stops taking new sends; sends already on the wire finish and are recorded. */
  async stop(): Promise<void> {
    this.#abort.abort(new Error("stopping"));
    await Promise.all([...this.#lanes.values()].map((lane) => lane.running));
  }

  async #runLane(laneKey: string, queue: Fifo<Job>): Promise<void> {
    // Let the caller finish enqueueing (and the lane map entry exist) before sending.
    await Promise.resolve();
    try {
      while (queue.length > 0 && !this.#abort.signal.aborted) {
        await this.#process(queue.peek()!);
        if (this.#abort.signal.aborted) break;
        queue.shift();
      }
    } catch (error) {
      this.options.log.error("delivery lane crashed", { lane: laneKey, error: errorMessage(error) });
    } finally {
      for (const job of queue) this.#scheduled.delete(job.recipient);
      this.#lanes.delete(laneKey);
    }
  }

  /** The recipient's queued parts, then its queued operations in order. */
  async #process(job: Job): Promise<void> {
    const { state, index } = job;
    const recipient = state.recipients[index]!;
    for (;;) {
      if (recipient.status === "queued") await this.#deliver(job);
      if (this.#abort.signal.aborted) return;
      const next = nextOperation(state, index);
      if (next === undefined || next === "writing") {
        // A deletion undone (its write failed) queues the recipient again.
        if (recipient.status === "queued" && recipient.next < state.partCount) continue;
        break;
      }
      await this.#operations.run(state, index, next.op, next.opIndex, this.#abort.signal);
      if (this.#abort.signal.aborted) return;
    }
    // Synchronously after the last look: work added from now on gets a new job.
    this.#scheduled.delete(job.recipient);
  }

  async #deliver(job: Job): Promise<void> {
    const { state, index } = job;
    const recipient = state.recipients[index]!;
    const cancel = new AbortController();
    this.#delivering.set(recipient, { key: recipient.key, cancel });
    const signal = AbortSignal.any([this.#abort.signal, cancel.signal]);
    try {
      while (recipient.status === "queued" && recipient.next < state.partCount && !signal.aborted) {
        const unusable = unusableKeyReason(this.options.keys.lookup(recipient.key));
        // Counted like a revoked or blocked key refused at accept (Notifier's onAccepted).
        if (unusable) return await this.#recordFailure(state, index, unusable, "blocked");
        const part = recipient.next;
        const placement = { first: part === 0, last: part === state.partCount - 1 };
        if (part === state.filePart) {
          if (!(await this.#sendFiles(state, index, placement, signal))) return;
          continue;
        }
        const result = await this.#send(state, index, state.parts[part] ?? "", true, placement, signal);
        if ("stopped" in result) return;
        if (result.ok) {
          this.#sent(state, index, part, [result.value.message_id]);
        } else if (result.action.kind === "plain") {
          if (!(await this.#sendPlain(state, index, part, result.action.reason, signal))) return;
        } else {
          await this.#fail(state, index, result.action);
        }
      }
    } finally {
      this.#delivering.delete(recipient);
    }
  }

  /** The file part (a document, a photo, an album); false when stopped. */
  async #sendFiles(state: NotificationState, index: number, placement: Placement, signal: AbortSignal): Promise<boolean> {
    const part = state.filePart!;
    if (!this.#files) return await this.#fail(state, index, { kind: "fail", reason: "this gateway has no file store to send files from" }), true;
    const hooks: FileStepHooks = {
      onMigrated: (chatId) => this.#followMigration(state.recipients[index]!, chatId),
      sendPlainText: async (text, first) => this.#send(state, index, text, false, { first, last: false }, signal),
    };
    const result = await this.#files.send(state, index, placement, signal, hooks);
    if ("stopped" in result) return false;
    if (!result.ok) return await this.#fail(state, index, result.action), true;
    const { messageIds, fileIds, fileMessageIds, warning } = result.value;
    if (warning) this.options.log.warn("files sent after a fallback", { id: state.id, user: state.recipients[index]!.user, warning });
    this.#sent(state, index, part, messageIds, warning, { fileIds, fileMessageIds });
    return true;
  }

  /** Telegram rejected our HTML: resend this part once, as plain text, with a warning. */
  async #sendPlain(state: NotificationState, index: number, part: number, reason: string, signal: AbortSignal): Promise<boolean> {
    const recipient = state.recipients[index]!;
    const ids: number[] = [];
    const pieces = plainFallbackParts(state.parts[part] ?? "");
    for (const [n, piece] of pieces.entries()) {
      const placement = { first: part === 0 && n === 0, last: part === state.partCount - 1 && n === pieces.length - 1 };
      const result = await this.#send(state, index, piece, false, placement, signal);
      if ("stopped" in result) return false;
      if (!result.ok) {
        await this.#fail(state, index, result.action.kind === "plain" ? { kind: "fail", reason } : result.action);
        return true;
      }
      ids.push(result.value.message_id);
    }
    const warning = `Telegram could not parse the formatting (${reason}); sent as plain text`;
    this.options.log.warn("sent as plain text after a parse error", { id: state.id, user: recipient.user, reason });
    this.#sent(state, index, part, ids, warning);
    return true;
  }

  #sent(state: NotificationState, index: number, part: number, ids: number[], warning?: string, files?: SentFiles): void {
    const recipient = state.recipients[index]!;
    // Applied in memory at once; the lane does not wait for the fsync (the record rides in
    // the next group commit; losing it in a crash means a resend, never a loss).
    this.options.outbox.recordSent(state, index, part, ids, warning, files).catch((error: unknown) =>
      this.options.log.error("outbox write failed", { id: state.id, error: errorMessage(error) }),
    );
    if (recipient.status === "delivered") this.options.events.delivered(recipient.bot, this.options.clock.now() - sendableFrom(state));
  }

  async #fail(state: NotificationState, index: number, action: FailureAction): Promise<void> {
    const recipient = state.recipients[index]!;
    const blocked = action.kind === "blocked";
    await this.#recordFailure(state, index, action.reason, blocked ? "blocked" : action.reason.startsWith("gave up") ? "expired" : "rejected");
    if (blocked) {
      await this.options.keys.recordBlocked(recipient.key, action.reason).catch((error: unknown) =>
        this.options.log.error("could not record a blocked key", { key: recipient.key, error: errorMessage(error) }),
      );
    }
  }

  async #recordFailure(state: NotificationState, index: number, reason: string, kind: "blocked" | "rejected" | "expired"): Promise<void> {
    const recipient = state.recipients[index]!;
    this.options.events.failed(recipient.bot, kind);
    this.options.log.warn("delivery failed permanently", { id: state.id, user: recipient.user, key: recipient.key, reason });
    // Applied in memory at once, like #sent: a failed write must not crash the lane and
    // strand the chat's later notifications (a restart would retry this one, at worst).
    await this.options.outbox.recordFailed(state, index, reason).catch((error: unknown) =>
      this.options.log.error("outbox write failed", { id: state.id, error: errorMessage(error) }),
    );
  }

  /** Sends one message through the call policy (pauses, retries, a migrated group followed). */
  #send(state: NotificationState, index: number, text: string, html: boolean, placement: Placement, signal: AbortSignal): Promise<CallResult<{ message_id: number }>> {
    const recipient = state.recipients[index]!;
    return this.#policy.run({
      bot: recipient.bot,
      attempts: recipient,
      since: sendableFrom(state),
      signal,
      call: (client, callSignal) => client.send(sendParams(state, recipient, text, html, placement), callSignal),
      onMigrated: (chatId) => this.#followMigration(recipient, chatId),
    });
  }

  async #followMigration(recipient: RecipientState, chatId: number): Promise<void> {
    this.options.log.info("group migrated to a supergroup; following it", { key: recipient.key, from: recipient.chatId, to: chatId });
    recipient.chatId = chatId;
    await this.options.keys.recordMigrated(recipient.key, chatId);
  }
}

function hasWorkFor(state: NotificationState, index: number): boolean {
  return state.recipients[index]?.status === "queued" || (state.ops?.some((op) => op.targets[index]?.status === "queued") ?? false);
}

/** The recipient's first queued operation; "writing" while that one is not on disk yet. */
function nextOperation(state: NotificationState, index: number): { op: Operation; opIndex: number } | "writing" | undefined {
  const ops = state.ops ?? [];
  for (let opIndex = 0; opIndex < ops.length; opIndex++) {
    const op = ops[opIndex]!;
    if (op.targets[index]?.status === "queued") return op.writing ? "writing" : { op, opIndex };
  }
  return undefined;
}

function sendParams(state: NotificationState, recipient: RecipientState, text: string, html: boolean, placement: Placement): SendMessageParams {
  const params: SendMessageParams = { chat_id: recipient.chatId, text };
  if (html) params.parse_mode = "HTML";
  if (state.silent) params.disable_notification = true;
  if (state.topic !== undefined) params.message_thread_id = state.topic;
  // Still sent if the person's message is gone: the answer matters more than the quote.
  if (placement.first && recipient.replyToMessageId !== undefined)
    params.reply_parameters = { message_id: recipient.replyToMessageId, allow_sending_without_reply: true };
  const keyboard = placement.last ? buildKeyboard(state.id, state.buttons) : undefined;
  if (keyboard) params.reply_markup = keyboard;
  return params;
}
