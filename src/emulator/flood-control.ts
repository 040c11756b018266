import type { RateLimitOptions } from "./types.ts";

/**
 * Telegram's message flood limits, as documented in the Bots FAQ:
 * - about 30 messages per second per bot (all chats together);
 * - about 1 message per second per chat, with short bursts tolerated;
 * - no more than 20 messages per minute to the same group.
 * Telegram answers an excess with 429 and `parameters.retry_after` in whole seconds.
 * Refused messages do not consume the budget (only accepted sends are recorded).
 * `timeScale` shortens the second (0.1: 100 ms) for tests that run the gateway faster.
 */

export const DEFAULT_LIMITS: Required<RateLimitOptions> = {
  perBotPerSecond: 30,
  perChatPerSecond: 1,
  perChatBurst: 3,
  perGroupPerMinute: 20,
};

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Sliding window of event times; `retryAfterMs` says when one more event fits. */
class SlidingWindow {
  private readonly times: number[] = [];

  constructor(private readonly max: number, private readonly spanMs: number) {}

  retryAfterMs(now: number): number {
    while (this.times.length > 0 && (this.times[0] ?? 0) <= now - this.spanMs) this.times.shift();
    if (this.times.length < this.max) return 0;
    const oldest = this.times[this.times.length - this.max] ?? now;
    return oldest + this.spanMs - now;
  }

  record(now: number): void {
    this.times.push(now);
  }
}

export class FloodControl {
  private readonly limits: Required<RateLimitOptions>;
  private readonly perBot = new Map<string, SlidingWindow>();
  private readonly perGroup = new Map<string, SlidingWindow>();
  private readonly perChat = new Map<string, Bucket>();
  private readonly second: number;

  constructor(limits: RateLimitOptions = {}, timeScale = 1) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.second = 1000 * timeScale;
  }

  /** Seconds to wait before this send would be accepted, or 0 if it may go now. */
  retryAfter(botKey: string, chatId: number, now: number): number {
    const chatKey = `${botKey}:${chatId}`;
    let waitMs = this.botWindow(botKey).retryAfterMs(now);
    const bucket = this.refill(chatKey, now);
    if (bucket.tokens < 1) {
      waitMs = Math.max(waitMs, ((1 - bucket.tokens) / this.limits.perChatPerSecond) * this.second);
    }
    // Negative ids are groups and supergroups (supergroups: -100...), which have the per-minute limit.
    if (chatId < 0) waitMs = Math.max(waitMs, this.groupWindow(chatKey).retryAfterMs(now));
    return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / this.second)) : 0;
  }

  record(botKey: string, chatId: number, now: number): void {
    const chatKey = `${botKey}:${chatId}`;
    this.botWindow(botKey).record(now);
    this.refill(chatKey, now).tokens -= 1;
    if (chatId < 0) this.groupWindow(chatKey).record(now);
  }

  private botWindow(botKey: string): SlidingWindow {
    let window = this.perBot.get(botKey);
    if (!window) {
      window = new SlidingWindow(this.limits.perBotPerSecond, this.second);
      this.perBot.set(botKey, window);
    }
    return window;
  }

  private groupWindow(chatKey: string): SlidingWindow {
    let window = this.perGroup.get(chatKey);
    if (!window) {
      window = new SlidingWindow(this.limits.perGroupPerMinute, 60 * this.second);
      this.perGroup.set(chatKey, window);
    }
    return window;
  }

  /** Token bucket: capacity perChatBurst, refilled at perChatPerSecond. */
  private refill(chatKey: string, now: number): Bucket {
    const { perChatBurst, perChatPerSecond } = this.limits;
    let bucket = this.perChat.get(chatKey);
    if (!bucket) {
      bucket = { tokens: perChatBurst, updatedAt: now };
      this.perChat.set(chatKey, bucket);
    }
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(perChatBurst, bucket.tokens + (elapsed / this.second) * perChatPerSecond);
    bucket.updatedAt = now;
    return bucket;
  }
}
