// One client's webhook pusher: an independent loop that reads the inbox from its cursor
// and POSTs each event the client may read, one at a time, in id order; the next only
// after the receiver acknowledged the previous one (any 2xx). Anything else is retried
// with the one backoff (lib/backoff.ts) capped at 5 minutes, for as long as the inbox
// keeps the event; one that falls out of retention meanwhile is skipped with a warning.
// At least once: the cursor is saved after each acknowledgement, before the next POST.
import { backoffDelay, type BackoffOptions } from "../lib/backoff.ts";
import type { Clock } from "../lib/clock.ts";
import { errorMessage } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { InboxEvent, InboxStore } from "./types.ts";
import { compareEventIds, type WebhookCursor } from "./webhook-cursor.ts";
import { eventBody, postEvent, showWebhookUrl, type FailureReason, type FetchLike, type PostOutcome, type WebhookTarget } from "./webhook-post.ts";

export interface WebhookTiming {
  backoff: BackoffOptions;
  /** One POST's deadline: the request is aborted when it passes. */
  deadlineMs: number;
}

/** DESIGN: backoff capped at 5 minutes; a receiver gets 10 s to answer. */
export const WEBHOOK_TIMING: WebhookTiming = { backoff: { baseMs: 1000, capMs: 5 * 60_000 }, deadlineMs: 10_000 };

/** An event the inbox dropped (retention) before the receiver took it counts as a failure too. */
export type WebhookFailure = FailureReason | "expired";

/** Hooks for metrics. */
export interface WebhookEvents {
  delivered(client: string): void;
  failed(client: string, reason: WebhookFailure): void;
}

export interface WebhookPusherOptions {
  client: string;
  target: WebhookTarget;
  /** Whether the client may read this event (its `allow`). */
  accepts: (event: InboxEvent) => boolean;
  inbox: InboxStore;
  cursor: Pick<WebhookCursor, "load" | "save" | "path">;
  fetch: FetchLike;
  clock: Clock;
  log: Logger;
  timing?: WebhookTiming;
  events?: WebhookEvents;
  random?: () => number;
}

export interface PusherStatus {
  /** cursor_error: the cursor file cannot be read or written; retried with backoff. */
  state: "starting" | "ok" | "retrying" | "cursor_error" | "stopped";
  /** The last acknowledged event ("0": none yet); null until the cursor is loaded. */
  cursor: string | null;
  /** Consecutive failures of the event being delivered (or of loading the cursor). */
  failures: number;
  retryingSince: number | null;
  lastError: { reason: WebhookFailure | "cursor"; message: string; at: number } | null;
}

/** How many events one read of the inbox takes. */
const BATCH = 100;

export class WebhookPusher {
  readonly status: PusherStatus = { state: "starting", cursor: null, failures: 0, retryingSince: null, lastError: null };
  readonly #stop = new AbortController();
  readonly #log: Logger;
  readonly #timing: WebhookTiming;
  #running: Promise<void> | undefined;
  /** The loop has looked at every event up to here (acknowledged, or not for this client). */
  #position: string | null = null;
  /** The event being delivered: the oldest this client has not acknowledged. */
  #pending: InboxEvent | null = null;

  constructor(private readonly options: WebhookPusherOptions) {
    this.#log = options.log.child({ component: "webhooks", client: options.client, url: showWebhookUrl(options.target.url) });
    this.#timing = options.timing ?? WEBHOOK_TIMING;
  }

  get target(): WebhookTarget {
    return this.options.target;
  }

  start(): void {
    // "From now on" for a new client means from this call, not from when the cursor file
    // was found missing: events recorded while it was being read are pushed.
    const startedAfter = this.options.inbox.lastId();
    this.#running ??= this.#run(startedAfter).catch((error: unknown) => {
      // Not expected (every step catches its own errors), but a dead loop must say so.
      this.#log.error("webhook pusher stopped by an unexpected error", { error });
      this.status.state = "stopped";
    });
  }

  /** Aborts a POST or wait in progress; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    this.status.state = "stopped";
  }

  /** Age (ms) of the oldest event the receiver has not acknowledged; 0 when it has them all. */
  lagMs(now: number): number {
    const oldest = this.#pending ?? (this.#position === null ? undefined : this.options.inbox.after(this.#position, 1, this.options.accepts)[0]);
    return oldest ? Math.max(0, now - Date.parse(oldest.at)) : 0;
  }

  async #run(startedAfter: string): Promise<void> {
    const { inbox, accepts } = this.options;
    let position = await this.#begin(startedAfter);
    if (position === null) return;
    while (!this.#stop.signal.aborted) {
      // Both read in one turn of the event loop, so nothing can be recorded in between.
      const newest = inbox.lastId();
      const batch = inbox.after(position, BATCH, accepts);
      if (batch.length === 0) {
        this.#position = position = newest;
        await inbox.waitForNewer(newest, this.#stop.signal);
        continue;
      }
      for (const event of batch) {
        if (!(await this.#deliver(event))) return;
        position = event.id;
      }
    }
  }

  /** The saved cursor; a new client's is `startedAfter` (pushes from now on). Null when stopped first. */
  async #begin(startedAfter: string): Promise<string | null> {
    const { cursor, inbox } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        let after = await cursor.load();
        const newest = inbox.lastId();
        if (after === null) {
          after = startedAfter;
          await cursor.save(after);
          this.#log.info("webhook: no cursor yet; pushing the events from now on", { cursor: cursor.path, after });
        } else if (compareEventIds(after, newest) > 0) {
          // Ids only grow, so the inbox was replaced or emptied: all it has is news to the receiver.
          this.#log.warn("webhook cursor is past the inbox's newest event (inbox.log replaced?); pushing every event kept", { after, newest });
          after = "0";
          await cursor.save(after);
        }
        this.#settle(after);
        return after;
      } catch (error) {
        const message = errorMessage(error);
        this.#noteFailure("cursor", message, attempt);
        if (attempt === 1) this.#log.error(`webhook paused: ${message}`);
        if (!(await this.#sleep(backoffDelay(attempt, this.#timing.backoff, this.options.random)))) return null;
      }
    }
  }

  /** Delivers one event until acknowledged or expired; false when stopped first. */
  async #deliver(event: InboxEvent): Promise<boolean> {
    const { target, fetch, clock, inbox } = this.options;
    const body = eventBody(event);
    this.#pending = event;
    for (let attempt = 1; ; attempt++) {
      const outcome = await postEvent(target, event.id, body, { fetch, clock, deadlineMs: this.#timing.deadlineMs, signal: this.#stop.signal });
      if (outcome.ok) {
        this.#acknowledged(event);
        break;
      }
      if (this.#stop.signal.aborted) return false;
      this.#failed(event, outcome, attempt);
      if (!(await this.#sleep(backoffDelay(attempt, this.#timing.backoff, this.options.random)))) return false;
      if (inbox.get(event.id) === undefined) {
        this.#log.warn("event left the inbox (events_retention) before the receiver took it; skipped", { event: event.id, at: event.at, attempts: attempt });
        this.options.events?.failed(this.options.client, "expired");
        break;
      }
    }
    this.#pending = null;
    this.#position = event.id;
    await this.#save(event.id);
    return !this.#stop.signal.aborted;
  }

  #acknowledged(event: InboxEvent): void {
    if (this.status.failures > 0 && this.status.state === "retrying")
      this.#log.info("webhook receiver acknowledged again", { event: event.id, failures: this.status.failures, retrying_since: isoTime(this.status.retryingSince) });
    this.options.events?.delivered(this.options.client);
    this.#settle(this.status.cursor);
  }

  #failed(event: InboxEvent, outcome: Extract<PostOutcome, { ok: false }>, attempt: number): void {
    this.#noteFailure(outcome.reason, outcome.message, attempt);
    this.options.events?.failed(this.options.client, outcome.reason);
    // Logged at attempts 1, 2, 4, 8, … (the rest at debug): a receiver down for a day
    // writes about ten lines, not one per retry; /healthz and the metrics show every one.
    const quiet = (attempt & (attempt - 1)) !== 0;
    this.#log[quiet ? "debug" : "warn"]("webhook POST failed; retrying with backoff", { event: event.id, attempt, reason: outcome.reason, error: outcome.message });
  }

  #noteFailure(reason: WebhookFailure | "cursor", message: string, attempt: number): void {
    const now = this.options.clock.now();
    this.status.state = reason === "cursor" ? "cursor_error" : "retrying";
    this.status.failures = attempt;
    this.status.retryingSince ??= now;
    this.status.lastError = { reason, message, at: now };
  }

  #settle(cursor: string | null): void {
    this.status.state = "ok";
    this.status.cursor = cursor;
    this.status.failures = 0;
    this.status.retryingSince = null;
  }

  /** At least once: when this fails the loop goes on; a restart would re-send from the last saved id. */
  async #save(id: string): Promise<void> {
    this.status.cursor = id;
    try {
      await this.options.cursor.save(id);
    } catch (error) {
      this.#log.error("could not save the webhook cursor; after a restart the receiver gets these events again", { event: id, cursor: this.options.cursor.path, error });
    }
  }

  async #sleep(ms: number): Promise<boolean> {
    try {
      await this.options.clock.sleep(ms, this.#stop.signal);
      return true;
    } catch {
      return false;
    }
  }
}

function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
