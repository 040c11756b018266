// The worker's failure policy, one for every Bot API call it makes (sends, edits,
// deletions): the call goes through the bot's send path (telegram/bot-client.ts: rate
// limiter, 429 pause, outcome classification), and this decides what its outcome means:
// wait and try again (429, 5xx, network, a bot that is disabled for now), follow a
// migrated group, or stop with a final answer. Retries end 24 h after the request.
import type { KeyLookup } from "../keys/types.ts";
import type { Clock } from "../lib/clock.ts";
import { errorMessage } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { BotClient } from "../telegram/bot-client.ts";
import type { TelegramFailure, TelegramOutcome } from "../telegram/outcome.ts";
import { backoffDelay, type BackoffOptions } from "../telegram/timing.ts";

/** Accepted notifications (and edits, deletions) are retried for this long, then reported failed. */
export const GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;

/** How long a call waits for a disabled or removed bot before looking again. */
const BOT_GONE_RETRY_MS = 5000;

/** The part of a bot's client the worker uses. */
export type DeliveryClient = Pick<BotClient, "config" | "limiter" | "send" | "sendMedia" | "editText" | "editReplyMarkup" | "deleteMessage">;

export interface DeliveryEvents {
  delivered(bot: string, latencyMs: number): void;
  failed(bot: string, reason: "blocked" | "rejected" | "expired"): void;
  retried(bot: string, ambiguous: boolean): void;
  /** An edit or deletion ended for one recipient. */
  operation?(bot: string, kind: "edit" | "delete", status: "done" | "cancelled" | "skipped" | "failed"): void;
}

export interface CallPolicyOptions {
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

/** How a call ended when it did not succeed. `plain`: Telegram refused our HTML. */
export interface FailureAction {
  kind: "blocked" | "fail" | "plain";
  reason: string;
  /** Telegram's answer (absent when the gateway gave up). */
  failure?: TelegramFailure;
}

export type CallResult<T> = { ok: true; value: T } | { ok: false; action: FailureAction } | { ok: false; stopped: true };

/** What a call's retries are counted on: a recipient's delivery, or an operation's target. */
export interface Attempts {
  attempts: number;
  /** The last transient error. */
  reason?: string;
}

export interface CallSpec<T> {
  bot: string;
  attempts: Attempts;
  /** When the request was accepted: retries end GIVE_UP_AFTER_MS later. */
  since: number;
  /** Stops waiting (shutdown, or a deletion cancelling this delivery). */
  signal: AbortSignal;
  call: (client: DeliveryClient, signal: AbortSignal) => Promise<TelegramOutcome<T>>;
  /** The group became a supergroup: follow it and try again. Without: final (an old message stays in the old chat). */
  onMigrated?: (chatId: number) => Promise<void>;
}

/** Per-bot health for /healthz: consecutive transient failures and the last one. */
export interface BotDeliveryState {
  failures: number;
  lastError: string | null;
}

export class CallPolicy {
  readonly #botStates = new Map<string, BotDeliveryState>();

  constructor(private readonly options: CallPolicyOptions) {}

  botState(botId: string): BotDeliveryState {
    let state = this.#botStates.get(botId);
    if (!state) this.#botStates.set(botId, (state = { failures: 0, lastError: null }));
    return state;
  }

  /** Makes the call until it has a final outcome, or `signal` stops it. */
  async run<T>(spec: CallSpec<T>): Promise<CallResult<T>> {
    const { signal, attempts } = spec;
    for (;;) {
      if (signal.aborted) return { ok: false, stopped: true };
      if (this.options.clock.now() - spec.since > GIVE_UP_AFTER_MS)
        return { ok: false, action: { kind: "fail", reason: `gave up after 24 h; last error: ${attempts.reason ?? "none"}` } };
      const client = this.options.bots.get(spec.bot);
      if (!client) {
        attempts.reason = `bot "${spec.bot}" is disabled or no longer configured; waiting for it`;
        if (!(await this.#sleep(BOT_GONE_RETRY_MS, signal))) return { ok: false, stopped: true };
        continue;
      }
      let outcome: TelegramOutcome<T>;
      try {
        outcome = await spec.call(client, signal);
      } catch (error) {
        if (signal.aborted) return { ok: false, stopped: true };
        throw error;
      }
      if (outcome.kind === "ok") {
        this.botState(client.config.id).failures = 0;
        return { ok: true, value: outcome.value };
      }
      const action = await this.#handle(client, spec, outcome);
      if (action) return { ok: false, action };
    }
  }

  /** Applies a failure; returns how the call ended, or undefined to try again. */
  async #handle<T>(client: DeliveryClient, spec: CallSpec<T>, failure: TelegramFailure): Promise<FailureAction | undefined> {
    const bot = client.config.id;
    spec.attempts.attempts++;
    switch (failure.kind) {
      case "rate_limited": // the send path paused the bot for retry_after
        spec.attempts.reason = failure.reason;
        return undefined;
      case "retryable":
      case "unauthorized": {
        // A revoked token or a proxy's 401 is transient from the message's point of view.
        spec.attempts.reason = failure.reason;
        const state = this.botState(bot);
        state.failures++;
        state.lastError = failure.reason;
        this.options.events.retried(bot, failure.kind === "retryable" && failure.ambiguous);
        // The bot (or Telegram) is failing, not this chat: back the whole bot off.
        client.limiter.pauseUntil(this.options.clock.now() + backoffDelay(state.failures, this.options.backoff, this.options.random));
        return undefined;
      }
      case "migrated":
        if (!spec.onMigrated) return { kind: "fail", reason: `${failure.reason} (the group became a supergroup; its old messages stay in the old chat)`, failure };
        await spec.onMigrated(failure.chatId).catch((error: unknown) => this.options.log.error("could not follow a migrated chat", { error: errorMessage(error) }));
        return undefined;
      case "blocked": // the person has to talk to the bot again
        return { kind: "blocked", reason: failure.reason, failure };
      case "parse_error": // our markup is bad, the text is deliverable
        return { kind: "plain", reason: failure.reason, failure };
      default: // any other 4xx: the same request would fail again
        return { kind: "fail", reason: failure.reason, failure };
    }
  }

  async #sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await this.options.clock.sleep(ms, signal);
      return true;
    } catch {
      return false;
    }
  }
}
