// When a scheduled notification is due, from what a person wrote: `at` (an RFC 3339 time
// with Z or an offset, a Unix time in seconds, or HH:MM for the next such time in a
// timezone) or `delay` (`30s`, `30m`, `2h`, `1d`). Read in two steps: the syntax first
// (readWhen: no clock, no timezone, so the HTTP layer and the CLI refuse a bad value before
// anything else), then the due time (dueTime: needs the clock and, for HH:MM, the zone of
// the recipients' bot). parseWhen does both, for callers with the timezone at hand (ntfy's
// Delay/At/In headers). Natural language ("tomorrow, 10am") is not understood.
import { Cron } from "croner";
import { parseDuration } from "../lib/duration.ts";
import { RequestError } from "../lib/errors.ts";
import { showValue } from "../lib/schema-messages.ts";

/** At most this far ahead (the outbox keeps a scheduled notification until it is sent). */
export const MAX_SCHEDULE_MS = 30 * 24 * 60 * 60 * 1000;

/** A "when" as written, checked but not yet tied to a clock. */
export type When =
  | { kind: "instant"; epochMs: number; text: string }
  | { kind: "delay"; ms: number; text: string }
  | { kind: "time_of_day"; hour: number; minute: number; text: string };

export interface WhenFields {
  at?: string | number;
  delay?: string;
}

const AT_EXAMPLES = 'e.g. "2026-11-25T09:00:00+03:00", "2026-11-25T06:00:00Z", "09:00" (the next 09:00 in the bot\'s timezone) or a Unix time in seconds such as 1795586400';
const DELAY_EXAMPLES = 'a whole number with s, m, h or d, e.g. "90s", "30m", "2h", "1d"';
/** Longer than any spelling we accept: refused without looking further. */
const MAX_LENGTH = 40;

// RFC 3339 date-time (seconds and fractions optional, "T", "t" or a space between date
// and time); anchored, no nested or overlapping quantifiers: linear in the input. A space
// before the offset is a "+" that form and query decoding turned into one
// (`curl -d at=2026-11-25T09:00:00+03:00` sends the "+" unencoded).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+ -])(\d{2}):?(\d{2}))?$/;
const TIME_OF_DAY = /^(\d{1,2}):(\d{2})$/;
const UNIX_SECONDS = /^\d{10}$/;

/** The schedule the fields ask for, or undefined for none; a RequestError (bad_at, bad_delay, duplicate_field) for a bad one. */
export function readWhen(fields: WhenFields): When | undefined {
  const { at, delay } = fields;
  if (at !== undefined && delay !== undefined) throw new RequestError("duplicate_field", 'give "at" (a time) or "delay" (how long from now), not both');
  if (delay !== undefined) return readDelay(delay);
  if (at !== undefined) return readAt(typeof at === "number" ? String(at) : at);
  return undefined;
}

function readDelay(text: string): When {
  const ms = text.length <= MAX_LENGTH ? parseDuration(text) : undefined;
  if (ms === undefined) throw new RequestError("bad_delay", `delay: ${showValue(text)} is not a duration; give ${DELAY_EXAMPLES}`);
  if (ms > MAX_SCHEDULE_MS) throw new RequestError("bad_delay", `delay: ${showValue(text)} is more than 30 days; a notification can be scheduled at most 30 days ahead (delay=30d)`);
  return { kind: "delay", ms, text };
}

function readAt(raw: string): When {
  const text = raw.trim();
  const bad = (why: string) => new RequestError("bad_at", `at: ${showValue(raw)} ${why}; give ${AT_EXAMPLES}`);
  if (text.length > MAX_LENGTH) throw bad("is not a time");
  if (UNIX_SECONDS.test(text)) return { kind: "instant", epochMs: Number(text) * 1000, text };
  if (/^\d{13}$/.test(text)) throw bad("looks like milliseconds; a Unix time is in seconds (10 digits)");
  const clock = TIME_OF_DAY.exec(text);
  if (clock) {
    const hour = Number(clock[1]);
    const minute = Number(clock[2]);
    if (hour > 23 || minute > 59) throw bad("is not a time of day (00:00 to 23:59)");
    return { kind: "time_of_day", hour, minute, text };
  }
  const match = RFC3339.exec(text);
  if (!match) throw bad("is not a time");
  if (match[8] === undefined && match[9] === undefined) throw bad('has no timezone: end it with "Z" (UTC) or an offset such as "+03:00"');
  const epochMs = rfc3339ToEpoch(match);
  if (epochMs === undefined) throw bad("is not a valid date and time");
  return { kind: "instant", epochMs, text };
}

/** Epoch ms of a matched RFC 3339 time, or undefined when a field is out of range (2026-02-30, 25:00, +24:00). */
function rfc3339ToEpoch(match: RegExpExecArray): number | undefined {
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((index) => Number(match[index]));
  const second = Number(match[6] ?? 0);
  const ms = Math.floor(Number(`0.${match[7] ?? 0}`) * 1000);
  if (month! < 1 || month! > 12 || hour! > 23 || minute! > 59 || second > 59) return undefined;
  const local = Date.UTC(year!, month! - 1, day!, hour!, minute!, second, ms);
  // Date.UTC rolls 30 February over into March: the day must survive the round trip.
  if (day! < 1 || new Date(local).getUTCDate() !== day) return undefined;
  const [offsetHours, offsetMinutes] = [Number(match[10] ?? 0), Number(match[11] ?? 0)];
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offset = (match[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return local - offset;
}

/**
 * Epoch ms when `when` is due, seen at `now`. HH:MM is the next such time strictly after
 * `now` in `timezone` (IANA; null = the host's), as croner reckons it: a time the clocks
 * skip (02:30 when they jump from 02:00 to 03:00) is the moment they jump, and a time they
 * pass twice is its first occurrence. More than 30 days ahead is a RequestError.
 */
export function dueTime(when: When, now: number, timezone: string | null): number {
  if (when.kind === "delay") return now + when.ms;
  if (when.kind === "time_of_day") return nextTimeOfDay(when.hour, when.minute, now, timezone);
  if (when.epochMs - now > MAX_SCHEDULE_MS)
    throw new RequestError("bad_at", `at: ${showValue(when.text)} is more than 30 days ahead (${new Date(when.epochMs).toISOString()}); a notification can be scheduled at most 30 days ahead`);
  return when.epochMs;
}

function nextTimeOfDay(hour: number, minute: number, now: number, timezone: string | null): number {
  const cron = new Cron(`${minute} ${hour} * * *`, { paused: true, ...(timezone !== null && { timezone }) });
  try {
    const next = cron.nextRun(new Date(now));
    // Every day has an HH:MM (or the moment a DST jump skips it), so croner always finds one.
    if (!next) throw new Error(`croner found no next ${hour}:${minute} in ${timezone ?? "the host's zone"}`);
    return next.getTime();
  } finally {
    cron.stop();
  }
}

/** readWhen and dueTime together: undefined when neither field is given. */
export function parseWhen(fields: WhenFields, options: { now: number; timezone?: string | null }): number | undefined {
  const when = readWhen(fields);
  return when === undefined ? undefined : dueTime(when, options.now, options.timezone ?? null);
}
