// One bot's scheduled polling. A croner job on the bot's `poll` pattern opens a window;
// inside it the poller long-polls getUpdates until shortly before the next tick, so a
// request is answered at once while the pattern still decides when the bot listens.
// Only one getUpdates is ever in flight: a newer one makes Telegram end the older with
// 409 "terminated by other getUpdates request". So the long poll is never cut at the
// window's end (an aborted request may still be open at Telegram): its timeout ends it,
// at most a second late, and a tick that comes meanwhile extends the running window
// instead of starting a second one (consecutive windows of `* * * * * *` become one).
//
// The offset moves past a batch once every update's durable effect is made (a key issued
// and fsynced, a revocation appended, an event in the inbox). Replies are queued per chat and sent afterwards
// (replies.ts), so a slow chat never holds the next batch; a crash may lose a reply but
// never a key (it is in keys.log, and asking again gives the same key).
import { Cron } from "croner";
import { join } from "node:path";
import type { Clock } from "../lib/clock.ts";
import { errorMessage } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { Platform } from "../platform/platform.ts";
import type { CallOptions, GetUpdatesParams, TelegramUpdate, TelegramUser } from "../telegram/api.ts";
import { classifyFailure } from "../telegram/outcome.ts";
import { decidePollAction, type PollErrorKind, type PollTiming } from "./poll-policy.ts";

/** What the poller needs of the bot's client (telegram/bot-client.ts). */
export interface PollerClient {
  getMe(options: CallOptions): Promise<TelegramUser>;
  getUpdates(params: GetUpdatesParams, options: CallOptions): Promise<TelegramUpdate[]>;
  /** Runs the update's handlers; rejects when one failed (the batch is then not confirmed). */
  dispatch(update: TelegramUpdate): Promise<void>;
}

export interface PollerOptions {
  botId: string;
  token: string;
  pattern: string;
  timezone: string | null;
  dataDir: string;
  platform: Platform;
  clock: Clock;
  log: Logger;
  client: PollerClient;
  timing: PollTiming;
  random?: () => number;
  onSuccess?(atMs: number): void;
  onError?(kind: PollErrorKind): void;
}

export type PollerState = "idle" | "polling" | "backoff" | "unauthorized" | "stopped";

export interface PollerStatus {
  state: PollerState;
  username: string | null;
  lastSuccessAt: number | null;
  lastError: { kind: PollErrorKind; message: string; at: number } | null;
}

/** The window closes this long before the next tick. */
export const WINDOW_MARGIN_MS = 150;
/** Telegram holds a long poll for at most 50 s. */
const MAX_POLL_SECONDS = 50;
/** Messages (keys, events), presses of our buttons, and the bot's membership in chats. */
const ALLOWED_UPDATES: GetUpdatesParams["allowed_updates"] = ["message", "callback_query", "my_chat_member"];

export class Poller {
  #job: Cron | undefined;
  #offset: number | undefined;
  #offsetLoaded = false;
  /** Updates of the unconfirmed batch already handled (a batch is at most 100 updates). */
  readonly #handled = new Set<number>();
  #failures = 0;
  /** End of the running window, extended by ticks that come while it still polls. */
  #windowEnd = 0;
  #request: AbortController | undefined;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;
  readonly status: PollerStatus = { state: "idle", username: null, lastSuccessAt: null, lastError: null };

  constructor(private readonly options: PollerOptions) {}

  get offsetFile(): string {
    return join(this.options.dataDir, "offsets", `${this.options.botId}.json`);
  }

  /** Schedules the windows. Errors inside a tick never escape to croner. */
  start(): void {
    const job = new Cron(
      this.options.pattern,
      // No croner `protect`: a tick that comes while a window still polls must reach
      // #openWindow to extend it. Protected, croner skipped that tick, the window then
      // ended when its long poll did, and the bot was deaf until the tick after (~1 s).
      // No `name` either: croner keeps named jobs in one process-wide list and refuses a
      // second job of the same name, so two gateways (tests) could not share a process.
      { timezone: this.options.timezone ?? undefined },
      () => this.#openWindow(this.options.clock.now()),
    );
    this.#job = job;
    // Started inside a window (start-up, a config change): listen now, not from the next tick.
    const now = this.options.clock.now();
    const previous = job.previousRuns(1, new Date(now))[0];
    if (previous && now < pollWindowEnd(job, previous.getTime())) void this.#openWindow(previous.getTime());
  }

  /** One window at a time: a tick during a running window extends it instead of opening another. */
  async #openWindow(tickAt: number): Promise<void> {
    const end = pollWindowEnd(this.#job!, tickAt);
    if (this.#running) {
      this.#windowEnd = Math.max(this.#windowEnd, end);
      return;
    }
    const window = this.runWindow(end);
    this.#running = window;
    try {
      await window;
    } finally {
      if (this.#running === window) this.#running = undefined;
    }
  }

  /** Ends the window: aborts an open long poll, waits for a batch being handled. */
  async stop(): Promise<void> {
    this.#job?.stop();
    this.#stop.abort();
    this.#request?.abort();
    await this.#running;
    if (this.status.state !== "unauthorized") this.status.state = "stopped";
  }

  /** Polls until `windowEnd` (ms, or later if extended), the bot is stopped, or an error pauses it past the window. */
  async runWindow(windowEnd: number): Promise<void> {
    this.#windowEnd = windowEnd;
    try {
      if (!this.#offsetLoaded) await this.#loadOffset();
      if (this.status.username === null) await this.#fetchUsername();
      while (!this.#stop.signal.aborted && this.options.clock.now() < this.#windowEnd) {
        if (!(await this.#pollOnce(this.#windowEnd))) break;
      }
    } catch (error) {
      this.options.log.error("poll window failed", { bot: this.options.botId, error: errorMessage(error) });
    } finally {
      if (this.status.state === "polling") this.status.state = "idle";
    }
  }

  /** One getUpdates and its batch; false ends the window. */
  async #pollOnce(windowEnd: number): Promise<boolean> {
    const remaining = windowEnd - this.options.clock.now();
    const request = new AbortController();
    this.#request = request;
    this.status.state = "polling";
    try {
      const updates = await this.options.client.getUpdates(
        {
          offset: this.#offset,
          timeout: Math.min(MAX_POLL_SECONDS, Math.max(1, Math.ceil(remaining / 1000))),
          allowed_updates: ALLOWED_UPDATES,
        },
        { signal: request.signal },
      );
      this.#markSuccess();
      if (updates.length > 0) await this.#handleBatch(updates);
      return true;
    } catch (error) {
      // Our own abort (stop): nothing failed, and nothing is lost,
      // since Telegram confirms updates only on the next getUpdates with a higher offset.
      if (request.signal.aborted) return false;
      return this.#onError(error);
    } finally {
      this.#request = undefined;
    }
  }

  async #handleBatch(updates: TelegramUpdate[]): Promise<void> {
    // One chat's updates in order; different chats side by side. Handling waits only for
    // durable effects (fsyncs): replies are queued, not awaited.
    const byChat = new Map<number, TelegramUpdate[]>();
    for (const update of updates) {
      const chat = chatOf(update);
      const queue = byChat.get(chat);
      if (queue) queue.push(update);
      else byChat.set(chat, [update]);
    }
    const results = await Promise.allSettled(
      [...byChat.values()].map(async (chatUpdates) => {
        for (const update of chatUpdates) {
          if (this.#handled.has(update.update_id)) continue;
          await this.options.client.dispatch(update);
          this.#handled.add(update.update_id);
        }
      }),
    );
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    // A failed batch is not confirmed: the same updates come again. Handling is idempotent
    // (a chat's key is stable), and updates already handled are skipped, so the other
    // chats get no second reply and a "/stop, /key" pair is not replayed (it would revoke
    // the key just given). After a crash they are replayed; the key log keeps that safe.
    if (failed) throw failed.reason;
    this.#handled.clear();
    const last = updates[updates.length - 1]!;
    this.#offset = last.update_id + 1;
    await this.options.platform.writeFileAtomic(
      this.offsetFile,
      JSON.stringify({ telegram_bot_id: telegramBotId(this.options.token), offset: this.#offset }) + "\n",
    );
  }

  async #onError(error: unknown): Promise<boolean> {
    const action = decidePollAction(classifyFailure(error), ++this.#failures, this.options.timing, this.options.random);
    this.status.lastError = { kind: action.kind, message: action.message, at: this.options.clock.now() };
    this.options.onError?.(action.kind);
    if (action.action === "stop") {
      this.status.state = "unauthorized";
      this.#job?.stop();
      this.#stop.abort();
      this.options.log.error(action.message, { bot: this.options.botId });
      return false;
    }
    this.status.state = "backoff";
    const level = this.#failures === 1 || action.kind === "conflict" ? "warn" : "debug";
    this.options.log[level](`polling failed: ${action.message}`, { bot: this.options.botId, kind: action.kind, retry_in_ms: action.delayMs });
    try {
      await this.options.clock.sleep(action.delayMs, this.#stop.signal);
    } catch {
      return false;
    }
    return true;
  }

  #markSuccess(): void {
    if (this.#failures > 0) this.options.log.info("polling recovered", { bot: this.options.botId });
    this.#failures = 0;
    const now = this.options.clock.now();
    this.status.lastSuccessAt = now;
    this.options.onSuccess?.(now);
  }

  async #fetchUsername(): Promise<void> {
    // Abortable like a long poll, so stop() never waits out the call's deadline.
    const request = new AbortController();
    this.#request = request;
    try {
      const me = await this.options.client.getMe({ signal: request.signal });
      this.status.username = me.username ?? null;
    } catch {
      // getUpdates reports the same problem through the error policy.
    } finally {
      this.#request = undefined;
    }
  }

  /** The saved offset, if it belongs to the same Telegram bot (update ids are per bot). */
  async #loadOffset(): Promise<void> {
    this.#offsetLoaded = true;
    try {
      const saved = JSON.parse(await this.options.platform.readTextFile(this.offsetFile)) as { telegram_bot_id?: number; offset?: number };
      if (saved.telegram_bot_id === telegramBotId(this.options.token) && typeof saved.offset === "number") this.#offset = saved.offset;
    } catch {
      // No offset yet: Telegram returns everything still queued.
    }
  }
}

/**
 * Where the window opened at `tickAt` ends: just before the next tick, but no later than
 * one step of the pattern (the gap between the next two ticks) after `tickAt`. Otherwise
 * the last tick of `* 8-20 * * 1-5` would listen through the night until Monday 08:00.
 */
export function pollWindowEnd(job: Cron, tickAt: number): number {
  const [next, after] = job.nextRuns(2, new Date(tickAt));
  if (!next) return tickAt + 60_000 - WINDOW_MARGIN_MS;
  const step = after ? after.getTime() - next.getTime() : Number.POSITIVE_INFINITY;
  return Math.min(next.getTime(), tickAt + step) - WINDOW_MARGIN_MS;
}

/** The numeric bot id at the start of a token ("123456:ABC..." → 123456). */
export function telegramBotId(token: string): number {
  return Number.parseInt(token.split(":")[0] ?? "", 10);
}

/** The chat whose order an update keeps: a press belongs to the chat of the pressed message. */
function chatOf(update: TelegramUpdate): number {
  const query = update.callback_query;
  return update.message?.chat.id ?? update.my_chat_member?.chat.id ?? query?.message?.chat.id ?? query?.from.id ?? 0;
}
