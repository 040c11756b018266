// Carries out an edit or a deletion for one recipient, after its message went out (the
// worker runs it in the recipient's job, behind the delivery). Telegram's own refusals
// are final and reported; 429, 5xx and network failures are retried by the call policy
// like sends. Telegram facts:
// - editMessageText without reply_markup removes the buttons, so an edit always sends
//   the buttons the message should show;
// - "message is not modified" means it already shows that: done, with a warning;
// - "message to delete not found": it is gone already (by hand, or a try whose answer was
//   lost before a restart): done, with a warning;
// - "message can't be deleted" (usually older than 48 h) and "message to edit not found"
//   are final failures.
import { errorMessage } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { TelegramOutcome } from "../telegram/outcome.ts";
import { isAlreadyDeleted, isNotModified } from "../telegram/outcome.ts";
import type { CallPolicy, CallResult, DeliveryClient, DeliveryEvents } from "./call-policy.ts";
import { buildKeyboard } from "./keyboard.ts";
import type { OperationResult, OutboxStore } from "./outbox.ts";
import { plainFallbackParts } from "./split.ts";
import type { NotificationState, Operation, OperationTarget, RecipientState } from "./types.ts";

export interface OperationRunnerOptions {
  outbox: OutboxStore;
  policy: CallPolicy;
  log: Logger;
  events: DeliveryEvents;
}

/** One call of an operation, for the call policy. */
type Call = (client: DeliveryClient, signal: AbortSignal) => Promise<TelegramOutcome<unknown>>;

export class OperationRunner {
  constructor(private readonly options: OperationRunnerOptions) {}

  /** Carries out operation `opIndex` for recipient `index` and records how it ended (unless stopped). */
  async run(state: NotificationState, index: number, op: Operation, opIndex: number, signal: AbortSignal): Promise<void> {
    const recipient = state.recipients[index]!;
    const target = op.targets[index]!;
    const result = op.kind === "edit" ? await this.#edit(state, recipient, op, target, signal) : await this.#delete(recipient, op, target, signal);
    if (!result) return;
    if (result.status === "failed") this.options.log.warn(`${op.kind} failed`, { id: state.id, user: recipient.user, reason: result.reason });
    this.options.events.operation?.(recipient.bot, op.kind, result.status);
    // Applied in memory at once; the record rides in the next group commit (like a send's).
    this.options.outbox.recordOperationDone(state, opIndex, index, result).catch((error: unknown) =>
      this.options.log.error("outbox write failed", { id: state.id, error: errorMessage(error) }),
    );
  }

  async #edit(state: NotificationState, recipient: RecipientState, op: Operation, target: OperationTarget, signal: AbortSignal): Promise<OperationResult | undefined> {
    if (recipient.status !== "delivered")
      return { status: "skipped", reason: recipient.status === "failed" ? `not delivered: ${recipient.reason ?? "failed"}` : "the notification was deleted" };
    const [messageId, ...more] = recipient.messageIds;
    if (messageId === undefined || more.length > 0)
      return { status: "failed", reason: `it went out as ${recipient.messageIds.length} messages (Telegram refused its formatting and it was resent as plain text); only a one-message notification can be edited` };
    const ref = { chat_id: recipient.chatId, message_id: messageId };
    const reply_markup = buildKeyboard(state.id, op.keyboard);
    const text = op.text;
    if (text === undefined) return this.#finish(await this.#call(recipient, op, target, signal, (client, s) => client.editReplyMarkup({ ...ref, ...(reply_markup && { reply_markup }) }, s)));
    const html = await this.#call(recipient, op, target, signal, (client, s) => client.editText({ ...ref, text, parse_mode: "HTML", ...(reply_markup && { reply_markup }) }, s));
    if (html.ok || "stopped" in html || html.action.kind !== "plain") return this.#finish(html);
    // Our HTML was refused: once more as plain text, as sends do, if that still fits one message.
    const pieces = plainFallbackParts(text);
    if (pieces.length !== 1) return { status: "failed", reason: `${html.action.reason}; as plain text it would need ${pieces.length} messages` };
    const plain = await this.#call(recipient, op, target, signal, (client, s) => client.editText({ ...ref, text: pieces[0]!, ...(reply_markup && { reply_markup }) }, s));
    const result = this.#finish(plain);
    if (result?.status === "done") result.warning = `Telegram could not parse the formatting (${html.action.reason}); edited as plain text`;
    return result;
  }

  async #delete(recipient: RecipientState, op: Operation, target: OperationTarget, signal: AbortSignal): Promise<OperationResult | undefined> {
    if (recipient.status === "failed") return { status: "skipped", reason: `not delivered: ${recipient.reason ?? "failed"}` };
    // Nothing went out (a delivery stopped by this deletion): it is cancelled, not deleted.
    if (recipient.messageIds.length === 0) return { status: "cancelled" };
    let failed: string | undefined;
    const gone: number[] = [];
    // Every part, in order; a part Telegram refuses does not keep the others.
    for (const messageId of recipient.messageIds) {
      const result = await this.#call(recipient, op, target, signal, (client, s) => client.deleteMessage({ chat_id: recipient.chatId, message_id: messageId }, s));
      if ("stopped" in result) return undefined;
      if (result.ok) continue;
      if (result.action.failure && isAlreadyDeleted(result.action.failure)) gone.push(messageId);
      else failed ??= result.action.reason;
    }
    const warning = gone.length > 0 ? `message ${gone.join(", ")} was already deleted` : undefined;
    return { status: failed === undefined ? "done" : "failed", ...(failed && { reason: failed }), ...(warning && { warning }) };
  }

  #call(recipient: RecipientState, op: Operation, target: OperationTarget, signal: AbortSignal, call: Call): Promise<CallResult<unknown>> {
    return this.options.policy.run({ bot: recipient.bot, attempts: target, since: op.at, signal, call });
  }

  /** An edit's outcome: "not modified" is done (it already shows that), any other refusal final. */
  #finish(result: CallResult<unknown>): OperationResult | undefined {
    if ("stopped" in result) return undefined;
    if (result.ok) return { status: "done" };
    if (result.action.failure && isNotModified(result.action.failure)) return { status: "done", warning: "Telegram says the message is not modified: it already shows this" };
    return { status: "failed", reason: result.action.kind === "plain" ? `Telegram could not parse the formatting: ${result.action.reason}` : result.action.reason };
  }
}
