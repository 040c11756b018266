// What a poller does after getUpdates fails. Pure: the poller supplies the attempt
// count and a random source, so the policy is tested without clocks or sockets.
import { NetworkError, TelegramApiError } from "../lib/errors.ts";
import { redactor } from "../lib/redact.ts";

export type PollErrorKind = "unauthorized" | "conflict" | "rate_limited" | "server" | "network" | "bad_request";

export type PollAction =
  /** Stop polling this bot until its config changes (a revoked or mistyped token). */
  | { action: "stop"; kind: PollErrorKind; message: string }
  /** Wait, then poll again. */
  | { action: "wait"; kind: PollErrorKind; delayMs: number; message: string };

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const POLL_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 60_000 };
/** 409 means a human must act (delete the webhook, stop the other instance): poll rarely. */
export const CONFLICT_BACKOFF: BackoffOptions = { baseMs: 5000, capMs: 60_000 };

/** Capped exponential backoff with "equal jitter": between half and all of the step. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const step = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (step / 2) * random());
}

/** `attempt` counts consecutive failures, starting at 1. `random` returns [0, 1). */
export function decidePollAction(error: unknown, attempt: number, random: () => number = Math.random): PollAction {
  if (error instanceof TelegramApiError) return decideForTelegram(error, attempt, random);
  const detail = error instanceof NetworkError ? error.message : `unexpected error: ${redactor.redact(error instanceof Error ? error.message : String(error))}`;
  return { action: "wait", kind: "network", delayMs: backoffDelay(attempt, POLL_BACKOFF, random), message: detail };
}

function decideForTelegram(error: TelegramApiError, attempt: number, random: () => number): PollAction {
  const code = error.errorCode;
  // Telegram answers 401 for a revoked token and 404 for a malformed one.
  if (code === 401 || code === 404) {
    return {
      action: "stop",
      kind: "unauthorized",
      message: `Telegram rejected the bot token (${code} ${error.description}); polling stopped until the bot's config changes. Get a valid token from @BotFather.`,
    };
  }
  if (code === 409) {
    return {
      action: "wait",
      kind: "conflict",
      delayMs: backoffDelay(attempt, CONFLICT_BACKOFF, random),
      message: `409 ${error.description}: a webhook is set or another instance polls this bot. Delete the webhook (tgsignal check shows it) or stop the other instance.`,
    };
  }
  if (code === 429) {
    // retry_after is Telegram's word; a little jitter keeps restarted pollers apart.
    const seconds = error.retryAfter ?? 5;
    return { action: "wait", kind: "rate_limited", delayMs: seconds * 1000 + Math.round(250 * random()), message: `429 Too Many Requests: retry after ${seconds}s` };
  }
  const kind: PollErrorKind = code >= 500 ? "server" : "bad_request";
  return { action: "wait", kind, delayMs: backoffDelay(attempt, POLL_BACKOFF, random), message: `${code} ${error.description}` };
}
