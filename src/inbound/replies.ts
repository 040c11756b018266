// Replies to people, one queue per chat. The poller hands a batch to the handlers, which
// make the durable effects (a key issued and fsynced, a revocation) and queue the reply;
// the offset then moves on while each chat's queue drains at its own pace in the bot's
// rate limiter. So one chat's backlog never delays another chat's answer, and a flood is
// coalesced instead of answered message by message:
// - a reply identical to one still queued or being sent to that chat is absorbed by it
//   (ten "/key" in a row: one key reply);
// - chatter replies (start, help: how to connect) go to a chat at most once per
//   CHATTER_WINDOW_SECONDS of Telegram's time for the same text;
// - a chat holds at most MAX_PENDING distinct replies; the oldest gives way to the newest.
// A queued reply is not durable: a crash or a shutdown may drop it. That never loses a
// key, which is in keys.log before its reply is queued; asking again gives the same key.
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { SendMessageParams } from "../telegram/api.ts";
import type { SendOutcome } from "../telegram/bot-client.ts";
import { backoffDelay, type TransportTiming } from "../telegram/timing.ts";

export const CHATTER_WINDOW_SECONDS = 30;
export const MAX_PENDING = 5;
/** A reply that keeps failing (5xx, network, 429s) is dropped after this many tries. */
const REPLY_ATTEMPTS = 5;

export interface Reply {
  bot: string;
  chatId: number;
  text: string;
  /** A start or help text: subject to the chatter window. */
  chatter?: boolean;
  /** The bot's send path (its rate limiter, 429 pauses). */
  send(params: SendMessageParams, signal: AbortSignal): Promise<SendOutcome>;
}

export interface ReplyQueueOptions {
  clock: Clock;
  log: Logger;
  timing: Pick<TransportTiming, "secondMs" | "sendBackoff">;
  random?: () => number;
}

interface ChatQueue {
  pending: Reply[];
  current: Reply | undefined;
}

export class ReplyQueue {
  readonly #chats = new Map<string, ChatQueue>();
  /** Last chatter reply per chat and text, by when it was queued. */
  readonly #chatterAt = new Map<string, number>();
  readonly #stop = new AbortController();

  constructor(private readonly options: ReplyQueueOptions) {}

  /** Aborted at shutdown: waits for a slot or an answer end (handlers pass it on to their calls). */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Queues a reply; false when it was coalesced or dropped. */
  enqueue(reply: Reply): boolean {
    if (this.#stop.signal.aborted) return false;
    const chat = `${reply.bot}\u0000${reply.chatId}`;
    if (reply.chatter && !this.#takeChatterSlot(`${chat}\u0000${reply.text}`)) return false;
    const queue = this.#chats.get(chat);
    if (!queue) {
      const fresh: ChatQueue = { pending: [reply], current: undefined };
      this.#chats.set(chat, fresh);
      void this.#drain(chat, fresh);
      return true;
    }
    if (queue.current?.text === reply.text || queue.pending.some((queued) => queued.text === reply.text)) return false;
    if (queue.pending.length >= MAX_PENDING) queue.pending.shift();
    queue.pending.push(reply);
    return true;
  }

  /** Replies waiting (not yet being sent), across chats. */
  get pendingCount(): number {
    let count = 0;
    for (const queue of this.#chats.values()) count += queue.pending.length;
    return count;
  }

  /** Shutdown: drops what is queued and stops waits; a request on the wire is left to finish. */
  stop(): number {
    const dropped = this.pendingCount;
    this.#stop.abort();
    for (const queue of this.#chats.values()) queue.pending.length = 0;
    if (dropped > 0) this.options.log.info("shutdown: pending replies dropped (the keys are in keys.log)", { replies: dropped });
    return dropped;
  }

  async #drain(chat: string, queue: ChatQueue): Promise<void> {
    for (let next = queue.pending.shift(); next; next = queue.pending.shift()) {
      queue.current = next;
      try {
        await this.#deliver(next);
      } catch {
        // Stopped while waiting: nothing more goes out.
      }
      queue.current = undefined;
    }
    this.#chats.delete(chat);
  }

  async #deliver(reply: Reply): Promise<void> {
    const { clock, log, timing, random } = this.options;
    const params = { chat_id: reply.chatId, text: reply.text };
    for (let attempt = 1; ; attempt++) {
      const outcome = await reply.send(params, this.#stop.signal);
      if (outcome.kind === "ok") return;
      const heals = outcome.kind === "rate_limited" || outcome.kind === "retryable";
      // A person who blocked the bot, or a chat that is gone, does not heal by retrying.
      if (!heals || attempt >= REPLY_ATTEMPTS) {
        log.warn("reply not delivered", { bot: reply.bot, chat_id: reply.chatId, error: outcome.reason });
        return;
      }
      // A 429 has paused the bot's limiter already; a 5xx or network failure backs off here.
      if (outcome.kind === "retryable") await clock.sleep(backoffDelay(attempt, timing.sendBackoff, random), this.#stop.signal);
    }
  }

  #takeChatterSlot(key: string): boolean {
    const now = this.options.clock.now();
    const windowMs = CHATTER_WINDOW_SECONDS * this.options.timing.secondMs;
    const last = this.#chatterAt.get(key);
    if (last !== undefined && now - last < windowMs) return false;
    if (this.#chatterAt.size >= 10_000) {
      for (const [old, at] of this.#chatterAt) if (now - at >= windowMs) this.#chatterAt.delete(old);
    }
    this.#chatterAt.set(key, now);
    return true;
  }
}
