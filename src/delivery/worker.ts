// Delivers queued recipients. One lane per (bot, chat) sends that chat's messages in
// order; lanes run concurrently and share their bot's rate limiter, so a busy chat waits
// for its own slots without stalling other chats. Messages leave through the bot's send
// path (telegram/bot-client.ts); #handle decides what its outcome means for the message.
import type { KeyLookup } from "../keys/types.ts";
import type { Clock } from "../lib/clock.ts";
import { errorMessage } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { SendMessageParams } from "../telegram/api.ts";
import { backoffDelay, type BackoffOptions } from "../telegram/timing.ts";
import type { BotClient, SendOutcome } from "../telegram/bot-client.ts";
import type { TelegramFailure } from "../telegram/outcome.ts";
import type { OutboxStore } from "./outbox.ts";
import { plainFallbackParts } from "./split.ts";
import type { NotificationState, RecipientState } from "./types.ts";

/** Accepted notifications are retried for this long, then reported failed. */
export const GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;

export interface DeliveryEvents {
  delivered(bot: string, latencyMs: number): void;
  failed(bot: string, reason: "blocked" | "rejected" | "expired"): void;
  retried(bot: string, ambiguous: boolean): void;
}

/** The part of a bot's client the worker uses. */
export type DeliveryClient = Pick<BotClient, "config" | "limiter" | "send">;

export interface DeliveryWorkerOptions {
  outbox: OutboxStore;
  /** The client for an enabled bot (undefined while the bot is disabled or removed). */
  bots: { get(botId: string): DeliveryClient | undefined };
  keys: KeyLookup;
  clock: Clock;
  log: Logger;
  events: DeliveryEvents;
  /** How long a failing bot pauses (transport timing: 1 s doubling to 60 s). */
  backoff: BackoffOptions;
  random?: () => number;
}

interface Job {
  state: NotificationState;
  index: number;
}

/** How a message's delivery ended, when it did not go out. */
type FailureAction = { kind: "blocked" | "fail" | "plain"; reason: string };

type SendResult = { ok: true; messageId: number } | { ok: false; action: FailureAction } | { ok: false; stopped: true };

/** Per-bot health for /healthz: consecutive transient failures and the last one. */
export interface BotDeliveryState {
  failures: number;
  lastError: string | null;
}

export class DeliveryWorker {
  readonly #lanes = new Map<string, { queue: Job[]; running: Promise<void> }>();
  readonly #botStates = new Map<string, BotDeliveryState>();
  readonly #abort = new AbortController();

  constructor(private readonly options: DeliveryWorkerOptions) {}

  botState(botId: string): BotDeliveryState {
    let state = this.#botStates.get(botId);
    if (!state) this.#botStates.set(botId, (state = { failures: 0, lastError: null }));
    return state;
  }

  /** Queues every queued recipient of `state` on its chat's lane. */
  enqueue(state: NotificationState): void {
    if (this.#abort.signal.aborted) return;
    state.recipients.forEach((recipient, index) => {
      if (recipient.status !== "queued") return;
      const laneKey = `${recipient.bot}:${recipient.chatId}`;
      const lane = this.#lanes.get(laneKey);
      if (lane) return void lane.queue.push({ state, index });
      const queue: Job[] = [{ state, index }];
      this.#lanes.set(laneKey, { queue, running: this.#runLane(laneKey, queue) });
    });
  }

  /** Stops taking new sends; sends already on the wire finish and are recorded. */
  async stop(): Promise<void> {
    this.#abort.abort(new Error("stopping"));
    await Promise.all([...this.#lanes.values()].map((lane) => lane.running));
  }

  async #runLane(laneKey: string, queue: Job[]): Promise<void> {
    // Let the caller finish enqueueing (and the lane map entry exist) before sending.
    await Promise.resolve();
    try {
      while (queue.length > 0 && !this.#abort.signal.aborted) {
        const job = queue[0]!;
        await this.#deliver(job.state, job.index);
        if (this.#abort.signal.aborted) break;
        queue.shift();
      }
    } catch (error) {
      this.options.log.error("delivery lane crashed", { lane: laneKey, error: errorMessage(error) });
    } finally {
      this.#lanes.delete(laneKey);
    }
  }

  async #deliver(state: NotificationState, index: number): Promise<void> {
    const recipient = state.recipients[index]!;
    while (recipient.status === "queued" && recipient.next < state.partCount) {
      const part = recipient.next;
      const result = await this.#send(state, recipient, state.parts[part] ?? "", true);
      if ("stopped" in result) return;
      if (result.ok) {
        this.#sent(state, index, part, [result.messageId]);
      } else if (result.action.kind === "plain") {
        if (!(await this.#sendPlain(state, index, part, result.action.reason))) return;
      } else {
        await this.#fail(state, index, result.action);
      }
    }
  }

  /** Telegram rejected our HTML: resend this part once, as plain text, with a warning. */
  async #sendPlain(state: NotificationState, index: number, part: number, reason: string): Promise<boolean> {
    const recipient = state.recipients[index]!;
    const ids: number[] = [];
    for (const piece of plainFallbackParts(state.parts[part] ?? "")) {
      const result = await this.#send(state, recipient, piece, false);
      if ("stopped" in result) return false;
      if (!result.ok) {
        await this.#fail(state, index, result.action.kind === "plain" ? { kind: "fail", reason } : result.action);
        return true;
      }
      ids.push(result.messageId);
    }
    const warning = `Telegram could not parse the formatting (${reason}); sent as plain text`;
    this.options.log.warn("sent as plain text after a parse error", { id: state.id, user: recipient.user, reason });
    this.#sent(state, index, part, ids, warning);
    return true;
  }

  #sent(state: NotificationState, index: number, part: number, ids: number[], warning?: string): void {
    const recipient = state.recipients[index]!;
    // Applied in memory at once; the lane does not wait for the fsync (the record rides in
    // the next group commit; losing it in a crash means a resend, never a loss).
    this.options.outbox.recordSent(state, index, part, ids, warning).catch((error: unknown) =>
      this.options.log.error("outbox write failed", { id: state.id, error: errorMessage(error) }),
    );
    if (recipient.status === "delivered") this.options.events.delivered(recipient.bot, this.options.clock.now() - state.at);
  }

  async #fail(state: NotificationState, index: number, action: FailureAction): Promise<void> {
    const recipient = state.recipients[index]!;
    const blocked = action.kind === "blocked";
    this.options.events.failed(recipient.bot, blocked ? "blocked" : action.reason.startsWith("gave up") ? "expired" : "rejected");
    this.options.log.warn("delivery failed permanently", { id: state.id, user: recipient.user, key: recipient.key, reason: action.reason });
    // Applied in memory at once, like #sent: a failed write must not crash the lane and
    // strand the chat's later notifications (a restart would retry this one, at worst).
    await this.options.outbox.recordFailed(state, index, action.reason).catch((error: unknown) =>
      this.options.log.error("outbox write failed", { id: state.id, error: errorMessage(error) }),
    );
    if (blocked) {
      await this.options.keys.recordBlocked(recipient.key, action.reason).catch((error: unknown) =>
        this.options.log.error("could not record a blocked key", { key: recipient.key, error: errorMessage(error) }),
      );
    }
  }

  /** Sends one message, handling pauses, retries and migration until a final outcome. */
  async #send(state: NotificationState, recipient: RecipientState, text: string, html: boolean): Promise<SendResult> {
    const signal = this.#abort.signal;
    for (;;) {
      if (signal.aborted) return { ok: false, stopped: true };
      if (this.options.clock.now() - state.at > GIVE_UP_AFTER_MS)
        return { ok: false, action: { kind: "fail", reason: `gave up after 24 h; last error: ${recipient.reason ?? "none"}` } };
      const client = this.options.bots.get(recipient.bot);
      if (!client) {
        recipient.reason = `bot "${recipient.bot}" is disabled or no longer configured; waiting for it`;
        if (!(await this.#sleep(5000))) return { ok: false, stopped: true };
        continue;
      }
      let outcome: SendOutcome;
      try {
        outcome = await client.send(sendParams(state, recipient, text, html), signal);
      } catch (error) {
        if (signal.aborted) return { ok: false, stopped: true };
        throw error;
      }
      if (outcome.kind === "ok") {
        this.botState(client.config.id).failures = 0;
        return { ok: true, messageId: outcome.value.message_id };
      }
      const action = await this.#handle(client, recipient, outcome);
      if (action) return { ok: false, action };
    }
  }

  /** Applies a failure; returns how the send ended, or undefined to try again. */
  async #handle(client: DeliveryClient, recipient: RecipientState, failure: TelegramFailure): Promise<FailureAction | undefined> {
    const bot = client.config.id;
    recipient.attempts++;
    switch (failure.kind) {
      case "rate_limited": // the send path paused the bot for retry_after
        recipient.reason = failure.reason;
        return undefined;
      case "retryable":
      case "unauthorized": {
        // A revoked token or a proxy's 401 is transient from the message's point of view.
        recipient.reason = failure.reason;
        const state = this.botState(bot);
        state.failures++;
        state.lastError = failure.reason;
        this.options.events.retried(bot, failure.kind === "retryable" && failure.ambiguous);
        // The bot (or Telegram) is failing, not this chat: back the whole bot off.
        client.limiter.pauseUntil(this.options.clock.now() + backoffDelay(state.failures, this.options.backoff, this.options.random));
        return undefined;
      }
      case "migrated":
        this.options.log.info("group migrated to a supergroup; following it", { key: recipient.key, from: recipient.chatId, to: failure.chatId });
        recipient.chatId = failure.chatId;
        await this.options.keys.recordMigrated(recipient.key, failure.chatId).catch((error: unknown) =>
          this.options.log.error("could not record a migrated key", { key: recipient.key, error: errorMessage(error) }),
        );
        return undefined;
      case "blocked": // the person has to talk to the bot again: the key is recorded as blocked
        return { kind: "blocked", reason: failure.reason };
      case "parse_error": // our markup is bad, the text is deliverable
        return { kind: "plain", reason: failure.reason };
      default: // any other 4xx: the same request would fail again
        return { kind: "fail", reason: failure.reason };
    }
  }

  async #sleep(ms: number): Promise<boolean> {
    try {
      await this.options.clock.sleep(ms, this.#abort.signal);
      return true;
    } catch {
      return false;
    }
  }
}

function sendParams(state: NotificationState, recipient: RecipientState, text: string, html: boolean): SendMessageParams {
  const params: SendMessageParams = { chat_id: recipient.chatId, text };
  if (html) params.parse_mode = "HTML";
  if (state.silent) params.disable_notification = true;
  if (state.topic !== undefined) params.message_thread_id = state.topic;
  return params;
}
