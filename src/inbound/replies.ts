// Replies to people, one queue per chat: texts, the acknowledgement of a message that
// became an event (a reaction or a text), a pressed message's keyboard edit. The poller
// hands a batch to the handlers, which make the durable effects (a key issued and
// fsynced, an event recorded) and queue the reply;
// the offset then moves on while each chat's queue drains at its own pace in the bot's
// rate limiter. So one chat's backlog never delays another chat's answer, and a flood is
// coalesced instead of answered message by message:
// - a reply identical to one still queued or being sent to that chat (the same `key`) is
//   absorbed by it (ten "/key" in a row: one key reply);
// - chatter replies (start, help: how to connect) go to a chat at most once per
//   CHATTER_WINDOW_SECONDS of Telegram's time for the same text;
// - a chat holds at most MAX_PENDING distinct replies; the oldest gives way to the newest.
// A queued reply is not durable: a crash or a shutdown may drop it. That never loses a
// key, which is in keys.log before its reply is queued (asking again gives the same key),
// nor an event, which is in the inbox before its acknowledgement is queued.
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { TelegramOutcome } from "../telegram/outcome.ts";
import { backoffDelay, type TransportTiming } from "../telegram/timing.ts";

export const CHATTER_WINDOW_SECONDS = 30;
export const MAX_PENDING = 5;
/** A reply that keeps failing (5xx, network, 429s) is dropped after this many tries. */
const REPLY_ATTEMPTS = 5;

export interface Reply {
  bot: string;
  chatId: number;
  /** What makes two replies to a chat the same (a text reply: its text; a reaction: the message). */
  key: string;
  /** What it is, for the log: "reply", "reaction", "keyboard". */
  kind?: string;
  /** A start, help or "not connected" text: subject to the chatter window. */
  chatter?: boolean;
  /** The call, through the bot's send path (its rate limiter, 429 pauses). */
  send(signal: AbortSignal): Promise<TelegramOutcome<unknown>>;
  /** Called when the reply is given up: Telegram refused it, or it kept failing. */
  onFailed?(reason: string): void;
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
    if (reply.chatter && !this.#takeChatterSlot(`${chat}\u0000${reply.key}`)) return false;
    const queue = this.#chats.get(chat);
    if (!queue) {
      const fresh: ChatQueue = { pending: [reply], current: undefined };
      this.#chats.set(chat, fresh);
      void this.#drain(chat, fresh);
      return true;
    }
    if (queue.current?.key === reply.key || queue.pending.some((queued) => queued.key === reply.key)) return false;
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
    for (let attempt = 1; ; attempt++) {
      const outcome = await reply.send(this.#stop.signal);
      if (outcome.kind === "ok") return;
      const heals = outcome.kind === "rate_limited" || outcome.kind === "retryable";
      // A person who blocked the bot, or a chat that is gone, does not heal by retrying.
      if (!heals || attempt >= REPLY_ATTEMPTS) {
        log.warn(`${reply.kind ?? "reply"} not delivered`, { bot: reply.bot, chat_id: reply.chatId, error: outcome.reason });
        reply.onFailed?.(outcome.reason);
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
