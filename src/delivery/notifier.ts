// The one delivery path, shared by POST /notify and `tgsignal send`: validate and resolve,
// render and split, append to the outbox (durable), hand to the worker, optionally wait.
import { createHash, randomFillSync } from "node:crypto";
import type { Config } from "../config/types.ts";
import type { KeyLookup } from "../keys/types.ts";
import type { Clock } from "../lib/clock.ts";
import { RequestError } from "../lib/errors.ts";
import { layoutWithFiles } from "./file-parts.ts";
import { nextTurn } from "../lib/next-turn.ts";
import { formatMessageWithin, type Format, type RenderLimits } from "./format.ts";
import type { OutboxStore } from "./outbox.ts";
import { resolveRecipients } from "./recipients.ts";
import { resolveReply, type EventLookup } from "./reply-to.ts";
import { plainFallbackParts, splitText, TELEGRAM_TEXT_LIMIT } from "./split.ts";
import { isScheduled, isSettled, type Button, type NotificationFile, type NotificationState, type RecipientState } from "./types.ts";
import { waitUntil } from "./wait.ts";
import { dueTime, type When } from "./when.ts";
import type { DeliveryWorker } from "./worker.ts";

/**
 * At most this many Telegram messages per recipient (each up to 4096 characters). 20 is
 * Telegram's per-group budget for one minute, so the longest notification reaches a group
 * within a minute instead of holding its queue for several; ~80k characters is more than
 * a person reads in a chat anyway (a 1 MiB body would otherwise become ~256 messages).
 */
export const MAX_PARTS = 20;

export interface NotifyInput {
  /** Users and groups; empty when `replyTo` names the chat. */
  to: string[];
  /** May be "" when there are files. */
  text: string;
  format: Format;
  title?: string;
  silent: boolean;
  bot?: string;
  topic?: number;
  /** Rows of buttons (checked by the HTTP layer: labels, data, http(s) URLs, Telegram's limits). */
  buttons?: Button[][];
  keepButtons?: boolean;
  /** An event id: the notification answers it, in its chat. */
  replyTo?: string;
  /** Files already stored (data_dir/files): one message or one album, the text their caption. */
  files?: NotificationFile[];
  /** `at` or `delay` (when.ts readWhen): held in the outbox until then. */
  when?: When;
}

export interface Caller {
  id: string;
  allow: readonly string[] | null;
}

export interface NotifierOptions {
  outbox: OutboxStore;
  worker: DeliveryWorker;
  keys: KeyLookup;
  /** The inbox, for `reply_to`. */
  events: EventLookup;
  config: () => Config;
  clock: Clock;
  onAccepted?: (state: NotificationState) => void;
}

export interface Submitted {
  state: NotificationState;
  /** True when an Idempotency-Key matched an earlier request: nothing new was queued. */
  replayed: boolean;
}

export class Notifier {
  constructor(private readonly options: NotifierOptions) {}

  async submit(input: NotifyInput, caller: Caller, idempotencyKey?: string): Promise<Submitted> {
    // A long markdown text is rendered in slices first, so other requests are served
    // meanwhile. First: from the Idempotency-Key lookup to the outbox's index nothing may
    // wait, or a retry racing this request would not find it and queue a second one.
    const html = hasText(input) ? await formatMessageWithin(input, RENDER_LIMITS) : "";
    const fingerprint = idempotencyKey === undefined ? undefined : fingerprintOf(input);
    if (idempotencyKey !== undefined) {
      const earlier = this.options.outbox.findByIdempotencyKey(caller.id, idempotencyKey);
      if (earlier && earlier.fingerprint !== fingerprint)
        throw new RequestError("idempotency_key_reused", `Idempotency-Key "${idempotencyKey}" was already used for a different request (${earlier.id}); use a new key for a new notification`);
      if (earlier) {
        // The first request may still be waiting for its fsync (or see it fail).
        await this.options.outbox.accepted(earlier);
        return { state: earlier, replayed: true };
      }
    }
    const state = this.#build(input, caller, html);
    if (idempotencyKey !== undefined) {
      state.idempotencyKey = idempotencyKey;
      state.fingerprint = fingerprint;
    }
    await this.options.outbox.accept(state);
    this.options.worker.enqueue(state);
    this.options.onAccepted?.(state);
    return { state, replayed: false };
  }

  /**
   * Resolves when every recipient is delivered or failed, or after `ms`, or on `signal`.
   * At once for a notification still waiting for its due time: `wait` covers a delivery
   * that is under way, not hours of schedule.
   */
  waitSettled(state: NotificationState, ms: number, signal?: AbortSignal): Promise<void> {
    if (isScheduled(state, this.options.clock.now())) return Promise.resolve();
    return waitUntil(this.options.outbox, this.options.clock, state, () => isSettled(state), ms, signal);
  }

  /** `html` undefined: the text holds too much to fit MAX_PARTS messages (formatMessageWithin stopped). */
  #build(input: NotifyInput, caller: Caller, html: string | undefined): NotificationState {
    const now = this.options.clock.now();
    const recipients = this.#recipients(input, caller);
    for (const recipient of recipients) if (recipient.status === "failed") recipient.doneAt = now;
    if (html === undefined) throw shownTooMuch();
    const { parts, filePart, files } = layoutOf(input, html);
    if (parts.length === 0) throw new RequestError("empty_text", "text is empty once formatting is applied; send some visible text");
    // An album is as many messages as it has files (the caption is counted with the text).
    const fileMessages = files.length;
    const messages = fileMessages + (parts.length > MAX_PARTS ? parts.length : worstCaseMessages(parts));
    if (messages > MAX_PARTS) throw textTooLong(`at least ${messages}`, parts.length > MAX_PARTS ? "" : AS_PLAIN_TEXT);
    const state: NotificationState = { id: newId(now), at: now, client: caller.id, silent: input.silent, parts, partCount: parts.length, recipients };
    if (filePart !== undefined) Object.assign(state, { files, filePart });
    const dueAt = input.when && dueTime(input.when, now, this.#timezone(input.when, recipients));
    // A time already past is sent at once, like a notification without one.
    if (dueAt !== undefined && dueAt > now) state.dueAt = dueAt;
    if (input.topic !== undefined) state.topic = input.topic;
    if (input.buttons?.some((row) => row.length > 0)) state.buttons = input.buttons;
    if (input.keepButtons) state.keepButtons = true;
    if (input.replyTo !== undefined) state.replyTo = input.replyTo;
    return state;
  }

  /**
   * The zone HH:MM is read in: the recipients' bot's `timezone` (the host's when unset).
   * Recipients on bots in different zones make HH:MM ambiguous: refused, not guessed.
   */
  #timezone(when: When, recipients: readonly RecipientState[]): string | null {
    if (when.kind !== "time_of_day") return null;
    const bots = this.options.config().bots;
    const zones = new Map<string | null, string>();
    for (const { bot } of recipients) zones.set(bots.get(bot)?.timezone ?? null, bot);
    if (zones.size <= 1) return zones.keys().next().value ?? null;
    const list = [...zones].map(([zone, bot]) => `${bot} (${zone ?? "the host's zone"})`).join(", ");
    throw new RequestError("bad_at", `at: "${when.text}" is ambiguous: the recipients' bots keep different timezones: ${list}; give a time with an offset, e.g. "2026-11-25T09:00:00+03:00", or notify them separately`);
  }

  #recipients(input: NotifyInput, caller: Caller): RecipientState[] {
    const { keys, events } = this.options;
    const config = this.options.config();
    if (input.replyTo !== undefined) return [resolveReply({ config, keys, events, eventId: input.replyTo, caller, ...(input.bot !== undefined && { bot: input.bot }) })];
    return resolveRecipients({ config, keys, names: input.to, bot: input.bot, allow: caller.allow, clientId: caller.id });
  }
}

/**
 * Rendering a text up to the body limit: in slices, other requests served between them,
 * and no further than a text that could fit
 * MAX_PARTS messages: as plain text (the fallback) every non-blank character is shown.
 */
export const RENDER_LIMITS: RenderLimits = {
  pause: nextTurn,
  maxVisible: MAX_PARTS * TELEGRAM_TEXT_LIMIT,
};

/** Why a text whose HTML fits is still too long. */
const AS_PLAIN_TEXT = " if Telegram refused its HTML and it were resent as plain text, where every tag counts";
/** The refusal of a text whose rendering stopped at RENDER_LIMITS (formatMessageWithin gave undefined). */
export function shownTooMuch(): RequestError {
  return textTooLong(`more than ${MAX_PARTS}`, " (counted as plain text, Telegram's fallback for HTML it refuses, where every tag and entity counts)");
}

/** The refusal of a text that would take more than MAX_PARTS messages (`messages`: how many, in words). */
export function textTooLong(messages: string, how = ""): RequestError {
  return new RequestError(
    "text_too_long",
    `the text would go out as ${messages} messages per recipient${how}; the limit is ${MAX_PARTS} messages (about ${MAX_PARTS * 4}k characters) per notification; send a summary, or split it into several notifications`,
  );
}

function hasText(input: NotifyInput): boolean {
  return input.text.trim() !== "" || input.title !== undefined;
}

/** The messages to send (`html`: the formatted text), and with files which of them carries them. */
function layoutOf(input: NotifyInput, html: string): { parts: string[]; filePart?: number; files: NotificationFile[] } {
  const files = input.files ?? [];
  if (files.length === 0) return { parts: splitText(html, { maxParts: MAX_PARTS + 1 }), files };
  const hasButtons = input.buttons?.some((row) => row.length > 0) ?? false;
  return layoutWithFiles(html, files, hasButtons, MAX_PARTS + 1);
}

/**
 * The most messages one recipient can get: a part whose HTML Telegram refuses is resent as
 * plain text, split again (the worker's fallback, DeliveryWorker #sendPlain: splitText in
 * plain mode, where tags and entities count as text). So 1 MiB of tags that shows 4,000
 * characters is one part but 256 plain messages. Counting stops past MAX_PARTS: a hostile
 * text is never split whole.
 */
function worstCaseMessages(parts: readonly string[]): number {
  let count = 0;
  for (const part of parts) {
    count += plainFallbackParts(part, MAX_PARTS + 1 - count).length;
    if (count > MAX_PARTS) break;
  }
  return count;
}

/** Time-ordered and unguessable: base36 milliseconds + 40 random bits. */
export function newId(now: number): string {
  return now.toString(36).padStart(9, "0") + randomHex5();
}

// Crypto random bytes drawn 4 KiB at a time and each used once: a randomBytes(5) call per
// notification was a visible share of an accept's CPU.
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;

function randomHex5(): string {
  if (randomOffset + 5 > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  randomOffset += 5;
  return randomPool.toString("hex", randomOffset - 5, randomOffset);
}

function fingerprintOf(input: NotifyInput): string {
  const { to, text, format, title, silent, bot, topic, buttons, keepButtons, replyTo, files } = input;
  const fields: unknown[] = [to, text, format, title ?? null, silent, bot ?? null, topic ?? null];
  // Only when used, so keys stored before these fields existed still match their retries.
  if (buttons !== undefined || keepButtons || replyTo !== undefined || files !== undefined) fields.push(buttons ?? null, keepButtons ?? false, replyTo ?? null);
  // The same files (bytes, names, how they go) are the same request: a replay, not a new upload.
  if (files !== undefined) fields.push(files.map((file) => [file.hash, file.name, file.as]));
  // The schedule as asked for (09:00, 30 minutes), not the due time: a retry the next day still matches.
  if (input.when) fields.push(input.when.kind, scheduleKey(input.when));
  return createHash("sha256").update(JSON.stringify(fields)).digest("base64url").slice(0, 22);
}

function scheduleKey(when: When): number {
  if (when.kind === "delay") return when.ms;
  return when.kind === "instant" ? when.epochMs : when.hour * 60 + when.minute;
}
