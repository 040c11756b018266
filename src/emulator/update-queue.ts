import { ApiError, errors } from "./api-error.ts";
import type { TelegramUpdate, UpdateKind } from "./types.ts";

/**
 * One bot's pending updates and its (at most one) open getUpdates long poll.
 *
 * Telegram facts modelled here:
 * - updates stay queued until confirmed: "Telegram confirms updates only on the next
 *   getUpdates", i.e. a call with offset = last update_id + 1 drops everything below it;
 * - a negative offset keeps only the last |offset| updates;
 * - `allowed_updates` is sticky and filters updates as they arrive; by default every kind
 *   except chat_member, message_reaction and message_reaction_count is delivered;
 * - a newer getUpdates terminates an older pending one with 409 Conflict.
 */

const NOT_DEFAULT: ReadonlySet<string> = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

type WaitOutcome = { kind: "update" } | { kind: "timeout" } | { kind: "aborted" } | { kind: "failed"; error: ApiError };

interface Waiter {
  settle(outcome: WaitOutcome): void;
}

export interface PollOptions {
  offset?: number;
  limit: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export class UpdateQueue {
  private updates: TelegramUpdate[] = [];
  private nextUpdateId: number;
  private allowed: ReadonlySet<string> | undefined;
  private waiter: Waiter | undefined;

  constructor(firstUpdateId = 1) {
    this.nextUpdateId = firstUpdateId;
  }

  get pendingCount(): number {
    return this.updates.length;
  }

  /** True while a getUpdates long poll is open. */
  get isPolling(): boolean {
    return this.waiter !== undefined;
  }

  /** Queues an update built around the next update_id; returns it (even if filtered out). */
  push(build: (updateId: number) => TelegramUpdate): TelegramUpdate {
    const update = build(this.nextUpdateId++);
    if (this.isAllowed(update)) {
      this.updates.push(update);
      this.waiter?.settle({ kind: "update" });
    }
    return update;
  }

  setAllowedUpdates(kinds: readonly string[] | undefined): void {
    // An empty list means "the default set"; absent means "keep the previous setting".
    if (kinds === undefined) return;
    this.allowed = kinds.length === 0 ? undefined : new Set(kinds);
  }

  dropAll(): void {
    this.updates = [];
  }

  /** Answers a pending long poll with an error (a newer poll, a webhook being set). */
  interrupt(error: ApiError): void {
    this.waiter?.settle({ kind: "failed", error });
  }

  /** getUpdates: confirm by offset, then return at once or wait up to timeoutMs. */
  async poll(options: PollOptions): Promise<TelegramUpdate[]> {
    this.interrupt(errors.conflictOtherPoll());
    this.confirm(options.offset);
    if (this.updates.length > 0 || options.timeoutMs <= 0) return this.updates.slice(0, options.limit);

    const outcome = await this.wait(options.timeoutMs, options.signal);
    if (outcome.kind === "failed") throw outcome.error;
    return this.updates.slice(0, options.limit);
  }

  private confirm(offset: number | undefined): void {
    if (offset === undefined || offset === 0) return;
    if (offset < 0) {
      this.updates = this.updates.slice(offset);
      return;
    }
    this.updates = this.updates.filter((update) => update.update_id >= offset);
  }

  private isAllowed(update: TelegramUpdate): boolean {
    const kind = Object.keys(update).find((key): key is UpdateKind => key !== "update_id");
    if (kind === undefined) return false;
    return this.allowed ? this.allowed.has(kind) : !NOT_DEFAULT.has(kind);
  }

  private wait(timeoutMs: number, signal: AbortSignal | undefined): Promise<WaitOutcome> {
    if (signal?.aborted) return Promise.resolve({ kind: "aborted" });
    return new Promise<WaitOutcome>((resolve) => {
      const waiter: Waiter = {
        settle: (outcome) => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          if (this.waiter === waiter) this.waiter = undefined;
          resolve(outcome);
        },
      };
      const onAbort = () => waiter.settle({ kind: "aborted" });
      const timer = setTimeout(() => waiter.settle({ kind: "timeout" }), timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiter = waiter;
    });
  }
}
