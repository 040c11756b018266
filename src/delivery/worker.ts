// Delivers queued recipients. One lane per (bot, chat) sends that chat's messages in
// order; lanes run concurrently and share their bot's rate limiter, so a busy chat waits
// for its own slots without stalling other chats. Failures follow policy.ts.
import type { KeyLookup } from "../keys/types.ts";
import type { Clock } from "../lib/clock.ts";
import { errorMessage } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { BotClient } from "../telegram/bot-clients.ts";
import type { SendMessageParams } from "../telegram/api.ts";
import type { Outbox } from "./outbox.ts";
import { backoffDelay, classifyFailure, GIVE_UP_AFTER_MS, type FailureAction } from "./policy.ts";
import { splitText } from "./split.ts";
import type { NotificationState, RecipientState } from "./types.ts";

export interface DeliveryEvents {
  delivered(bot: string, latencyMs: number): void;
  failed(bot: string, reason: "blocked" | "rejected" | "expired"): void;
  waited(bot: string, ms: number): void;
  tooManyRequests(bot: string): void;
  retried(bot: string, ambiguous: boolean): void;
}

export interface DeliveryWorkerOptions {
  outbox: Outbox;
  /** The client for an enabled bot (undefined while the bot is disabled or removed). */
  bots: { get(botId: string): BotClient | undefined };
  keys: KeyLookup;
  clock: Clock;
  log: Logger;
  events: DeliveryEvents;
}

interface Job {
  state: NotificationState;
  index: number;
}

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
    for (const piece of splitText(state.parts[part] ?? "", { mode: "plain" })) {
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
      try {
        const waited = await client.limiter.acquire(recipient.chatId, signal);
        if (waited > 0) this.options.events.waited(recipient.bot, waited);
      } catch {
        return { ok: false, stopped: true };
      }
      const outcome = await this.#call(client, sendParams(state, recipient, text, html));
      if (outcome.ok) return outcome;
      const action = await this.#handle(client, recipient, outcome.error);
      if (action) return { ok: false, action };
    }
  }

  async #call(client: BotClient, params: SendMessageParams): Promise<{ ok: true; messageId: number } | { ok: false; error: unknown }> {
    try {
      const message = await client.api.sendMessage(params);
      const state = this.botState(client.config.id);
      state.failures = 0;
      return { ok: true, messageId: message.message_id };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** Applies a failure's action; returns it when the send is over, undefined to try again. */
  async #handle(client: BotClient, recipient: RecipientState, error: unknown): Promise<FailureAction | undefined> {
    const action = classifyFailure(error);
    const bot = client.config.id;
    const now = this.options.clock.now();
    recipient.attempts++;
    if (action.kind === "pause") {
      this.options.events.tooManyRequests(bot);
      client.limiter.pauseUntil(now + action.ms);
      recipient.reason = action.reason;
      return undefined;
    }
    if (action.kind === "retry") {
      const state = this.botState(bot);
      state.failures++;
      state.lastError = action.reason;
      recipient.reason = action.reason;
      this.options.events.retried(bot, action.ambiguous);
      // The bot (or Telegram) is failing, not this chat: back the whole bot off.
      client.limiter.pauseUntil(now + backoffDelay(state.failures));
      return undefined;
    }
    if (action.kind === "migrate") {
      this.options.log.info("group migrated to a supergroup; following it", { key: recipient.key, from: recipient.chatId, to: action.chatId });
      recipient.chatId = action.chatId;
      await this.options.keys.recordMigrated(recipient.key, action.chatId).catch((failure: unknown) =>
        this.options.log.error("could not record a migrated key", { key: recipient.key, error: errorMessage(failure) }),
      );
      return undefined;
    }
    return action;
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
