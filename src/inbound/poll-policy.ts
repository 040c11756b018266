// What a poller does after getUpdates fails, from the transport's classification of the
// failure. Pure: the poller supplies the attempt count and a random source, so the policy
// is tested without clocks or sockets.
import type { TelegramFailure } from "../telegram/outcome.ts";
import { backoffDelay, type TransportTiming } from "../telegram/timing.ts";

export type PollErrorKind = "unauthorized" | "conflict" | "rate_limited" | "server" | "network" | "bad_request";

export type PollAction =
  /** Stop polling this bot until its config changes (a revoked or mistyped token). */
  | { action: "stop"; kind: PollErrorKind; message: string }
  /** Wait, then poll again. */
  | { action: "wait"; kind: PollErrorKind; delayMs: number; message: string };

export type PollTiming = Pick<TransportTiming, "secondMs" | "pollBackoff" | "conflictBackoff">;

/** `attempt` counts consecutive failures, starting at 1. `random` returns [0, 1). */
export function decidePollAction(failure: TelegramFailure, attempt: number, timing: PollTiming, random: () => number = Math.random): PollAction {
  const { reason } = failure;
  switch (failure.kind) {
    case "unauthorized":
      return {
        action: "stop",
        kind: "unauthorized",
        message: `Telegram rejected the bot token (${reason}); polling stopped until the bot's config changes. Get a valid token from @BotFather.`,
      };
    case "conflict":
      return {
        action: "wait",
        kind: "conflict",
        delayMs: backoffDelay(attempt, timing.conflictBackoff, random),
        message: `${reason}: a webhook is set or another instance polls this bot. Delete the webhook (tgsignal check shows it) or stop the other instance.`,
      };
    case "rate_limited": {
      // retry_after is Telegram's word; a little jitter keeps restarted pollers apart.
      const seconds = failure.retryAfterSeconds;
      const delayMs = seconds * timing.secondMs + Math.round(0.25 * timing.secondMs * random());
      return { action: "wait", kind: "rate_limited", delayMs, message: `429 Too Many Requests: retry after ${seconds}s` };
    }
    case "retryable":
      return { action: "wait", kind: failure.source, delayMs: backoffDelay(attempt, timing.pollBackoff, random), message: reason };
    default:
      return { action: "wait", kind: "bad_request", delayMs: backoffDelay(attempt, timing.pollBackoff, random), message: reason };
  }
}
