// Telegram's broadcast limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits):
// about 30 messages per second per bot, about 1 per second per chat (short bursts are
// tolerated), and 20 per minute per group. One limiter per bot, shared by notifications
// and key replies, keeps under them so a fan-out never draws a 429.
//
// The policy is GCRA (a leaky bucket by "theoretical arrival time"): each send reserves
// the earliest slot that satisfies both the bot-wide spacing and its chat's spacing.
// Waiting for a busy chat never holds an earlier bot-wide slot, so one chat does not stall others.
//
// Our state is in memory; Telegram's counters are not. After a restart, a chat that got a
// burst just before it would get another at once and draw a 429 (the emulator counted six
// in a load with a restart). So a limiter built at start (`spentAt`) serves each chat as if
// its burst had been spent at that moment: the first message to a chat waits until one
// chat interval after start, the burst refills over the next two. Bot-wide spacing needs
// no such care: a restart takes longer than Telegram's one-second window.
import type { Clock } from "../lib/clock.ts";

export interface RateLimits {
  /** Bot-wide messages per second. */
  perSecond: number;
  /** Messages per second to one private chat, after the burst. */
  perChatPerSecond: number;
  /** Messages a private chat may receive back to back before spacing applies. */
  perChatBurst: number;
  /** Messages per minute to one group or supergroup (negative chat id). */
  perGroupPerMinute: number;
}

/**
 * Slightly under Telegram's figures: network jitter can bunch messages that left evenly
 * spaced, and a 429 costs far more than 3 % throughput.
 */
export const TELEGRAM_LIMITS: RateLimits = {
  perSecond: 29,
  perChatPerSecond: 0.95,
  perChatBurst: 3,
  perGroupPerMinute: 19,
};

export class RateLimiter {
  /** Reserved bot-wide send times, ascending (past ones pruned). */
  readonly #botTimes: number[] = [];
  #pausedUntil = 0;
  readonly #chatNext = new Map<number, number>();
  readonly #botInterval: number;
  readonly #chatInterval: number;
  readonly #groupInterval: number;

  /** Telegram may have counted sends to any chat up to this time (ms) that we never saw. */
  readonly #spentAt: number;

  constructor(
    private readonly clock: Clock,
    readonly limits: RateLimits = TELEGRAM_LIMITS,
    options: { spentAt?: number } = {},
  ) {
    this.#spentAt = options.spentAt ?? Number.NEGATIVE_INFINITY;
    this.#botInterval = 1000 / limits.perSecond;
    this.#chatInterval = 1000 / limits.perChatPerSecond;
    this.#groupInterval = 60_000 / limits.perGroupPerMinute;
  }

  /** Bot-wide pause until `untilMs` (after a 429's retry_after). */
  pauseUntil(untilMs: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, untilMs);
  }

  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /**
   * Waits until `count` messages to `chatId` (an album is one message per item) are within
   * limits; the slots are then taken. Resolves with the milliseconds waited (0 = sent at
   * once), for metrics.
   */
  async acquire(chatId: number, signal?: AbortSignal, count = 1): Promise<number> {
    const started = this.clock.now();
    for (;;) {
      const now = this.clock.now();
      let wait = 0;
      for (let slot = 0; slot < count; slot++) wait = Math.max(wait, this.reserve(chatId, now));
      if (wait <= 0) break;
      // Timers drop fractions of a millisecond and may fire that much early: never leave before the slot.
      while (this.clock.now() < now + wait) await this.clock.sleep(Math.ceil(now + wait - this.clock.now()), signal);
      // A 429 pause that arrived while we slept moves our slot; otherwise the slot is ours.
      if (this.#pausedUntil <= this.clock.now()) break;
    }
    return this.clock.now() - started;
  }

  /**
   * Reserves the earliest slot for one message to `chatId` at time `now` and returns the
   * milliseconds to wait before sending (0 = now). Pure arithmetic on the limiter's state.
   */
  reserve(chatId: number, now: number): number {
    const isGroup = chatId < 0;
    const chatInterval = isGroup ? this.#groupInterval : this.#chatInterval;
    const burstTolerance = isGroup ? 0 : (this.limits.perChatBurst - 1) * chatInterval;
    // A chat not seen yet: its bucket (the 1/s one, for groups too) empty at #spentAt.
    const chatTat = this.#chatNext.get(chatId) ?? Math.max(now, this.#spentAt + (isGroup ? 1 : this.limits.perChatBurst) * this.#chatInterval);
    const earliest = Math.max(now, chatTat - burstTolerance, this.#pausedUntil);
    // Bot-wide: sends are at least 1/perSecond apart. Each send takes the earliest gap
    // between reserved sends at or after its earliest moment, so a chat waiting seconds
    // for its own turn reserves a future time and leaves the earlier gaps to other chats.
    const start = this.#reserveBotSlot(earliest);
    this.#chatNext.set(chatId, Math.max(chatTat, start) + chatInterval);
    if (this.#chatNext.size > 10_000 || this.#botTimes.length > 4096) this.#prune(now);
    return start - now;
  }

  /** Sorted reserved send times; finds and takes the first time ≥ earliest with room around it. */
  #reserveBotSlot(earliest: number): number {
    const times = this.#botTimes;
    const interval = this.#botInterval;
    let index = lowerBound(times, earliest - interval + 1e-9);
    let start = earliest;
    while (index < times.length && times[index]! < start + interval) {
      start = Math.max(start, times[index]! + interval);
      index++;
    }
    times.splice(index, 0, start);
    return start;
  }

  #prune(now: number): void {
    for (const [chat, tat] of this.#chatNext) if (tat < now) this.#chatNext.delete(chat);
    const keepFrom = lowerBound(this.#botTimes, now - this.#botInterval);
    this.#botTimes.splice(0, keepFrom);
  }
}

function lowerBound(values: number[], target: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (values[mid]! < target) low = mid + 1;
    else high = mid;
  }
  return low;
}
