// The one retry backoff. Telegram's transport (src/telegram/timing.ts re-exports it) and
// the webhook pushers (src/events/) both wait by it: one formula, one place to tune.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/**
 * Capped exponential backoff with "equal jitter": between half and all of the step
 * base·2^(attempt−1), capped. The jitter keeps restarted instances and many bots from
 * retrying in lockstep. `attempt` counts consecutive failures from 1; `random` returns [0, 1).
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const step = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (step / 2) * random());
}
