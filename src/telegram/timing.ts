// Every interval the transport keeps, and the one backoff. Production runs on Telegram's
// numbers (scale 1). Tests against the fake Bot API run the same policy faster by
// shrinking Telegram's second (scale 0.1: a second lasts 100 ms) and tell the fake to
// count its flood windows and retry_after in the same short seconds, so "a 429 pauses for
// retry_after" and "the limiter keeps under the flood limits" hold as at full scale.
import { TELEGRAM_LIMITS, type RateLimits } from "./rate-limit.ts";
import type { BackoffOptions } from "../lib/backoff.ts";

// The backoff lives in lib/ (the webhook pushers, below this layer, use it too); the
// transport's callers keep importing it from here.
export { backoffDelay, type BackoffOptions } from "../lib/backoff.ts";

export interface TransportTiming {
  /** How long one of Telegram's seconds lasts: 1000 ms, less in tests. retry_after counts in it. */
  readonly secondMs: number;
  readonly limits: RateLimits;
  /** getUpdates failing (5xx, network): 1 s doubling to 60 s. */
  readonly pollBackoff: BackoffOptions;
  /** 409 means a human must act (delete the webhook, stop the other instance): poll rarely. */
  readonly conflictBackoff: BackoffOptions;
  /** A bot whose sends fail (5xx, network, a rejected token): 1 s doubling to 60 s. */
  readonly sendBackoff: BackoffOptions;
  /** Deadline of one call; its request is aborted when it passes. Network time: never scaled. */
  readonly callTimeoutMs: number;
  /** getUpdates' deadline is its long-poll timeout plus this margin. */
  readonly pollMarginMs: number;
}

/** Telegram's numbers with its second shortened to `scale` × 1000 ms (1 = production). */
export function transportTiming(scale = 1): TransportTiming {
  const second = 1000 * scale;
  const { perSecond, perChatPerSecond, perChatBurst, perGroupPerMinute } = TELEGRAM_LIMITS;
  return {
    secondMs: second,
    limits: {
      perSecond: scaledRate(30, perSecond, 1000, scale),
      perChatPerSecond: scaledRate(1, perChatPerSecond, 1000, scale),
      perChatBurst,
      perGroupPerMinute: scaledRate(20, perGroupPerMinute, 60_000, scale),
    },
    pollBackoff: { baseMs: second, capMs: 60 * second },
    conflictBackoff: { baseMs: 5 * second, capMs: 60 * second },
    sendBackoff: { baseMs: second, capMs: 60 * second },
    callTimeoutMs: 30_000,
    pollMarginMs: 15_000,
  };
}

export const TELEGRAM_TIMING: TransportTiming = transportTiming(1);

/**
 * Our rate at `scale`, from Telegram's figure and ours (per `unitMs`): Telegram's spacing
 * scaled, plus our slack over it unscaled. The slack absorbs jitter (network, timers, a
 * busy event loop), which is real time and does not shrink with a test's shorter second.
 */
function scaledRate(telegram: number, ours: number, unitMs: number, scale: number): number {
  const slackMs = unitMs / ours - unitMs / telegram;
  return unitMs / ((unitMs / telegram) * scale + slackMs);
}
