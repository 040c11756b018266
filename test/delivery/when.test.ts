// Reading `at` and `delay`: the spellings accepted, the due time they mean (HH:MM across
// midnight and DST, in a zone), the 30-day bound, and refusals that show an example.
import { describe, expect, test } from "bun:test";
import { dueTime, MAX_SCHEDULE_MS, parseWhen, readWhen, type When } from "../../src/delivery/when.ts";
import { refusal } from "../helpers/refusal.ts";

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0); // 2026-11-25T10:00:00Z
const due = (when: When | undefined, now = NOW, zone: string | null = null) => dueTime(when!, now, zone);
const iso = (ms: number) => new Date(ms).toISOString();

describe("at: RFC 3339", () => {
  test("Z and offsets name one instant", () => {
    for (const at of ["2026-11-25T12:00:00Z", "2026-11-25T15:00:00+03:00", "2026-11-25T07:00:00-05:00", "2026-11-25t12:00:00z", "2026-11-25 12:00:00Z", "2026-11-25T12:00Z", "2026-11-25T15:00:00+0300"])
      expect({ at, due: iso(due(readWhen({ at }))) }).toEqual({ at, due: "2026-11-25T12:00:00.000Z" });
  });

  test("a '+' that form or query decoding made a space is still an offset", () => {
    expect(iso(due(readWhen({ at: "2026-11-25T15:00:00 03:00" })))).toBe("2026-11-25T12:00:00.000Z");
    expect(iso(due(readWhen({ at: new URLSearchParams("at=2026-11-25T15:00+03:00").get("at")! })))).toBe("2026-11-25T12:00:00.000Z");
  });

  test("fractions of a second are kept to the millisecond", () => {
    expect(iso(due(readWhen({ at: "2026-11-25T12:00:00.25Z" })))).toBe("2026-11-25T12:00:00.250Z");
    expect(iso(due(readWhen({ at: "2026-11-25T12:00:00.123456789Z" })))).toBe("2026-11-25T12:00:00.123Z");
  });

  test("a time already past is due in the past (the notifier sends it at once)", () => {
    expect(due(readWhen({ at: "2026-11-24T12:00:00Z" }))).toBeLessThan(NOW);
  });

  test("without a zone, or with impossible fields, it is refused with an example", () => {
    const cases: Array<[string, string]> = [
      ["2026-11-25T12:00:00", "has no timezone"],
      ["2026-02-30T12:00:00Z", "not a valid date"],
      ["2026-13-01T12:00:00Z", "not a valid date"],
      ["2026-11-25T24:00:00Z", "not a valid date"],
      ["2026-11-25T12:60:00Z", "not a valid date"],
      ["2026-11-25T12:00:00+24:00", "not a valid date"],
      ["tomorrow, 10am", "is not a time"],
      ["2026-11-25", "is not a time"],
      ["", "is not a time"],
    ];
    for (const [at, why] of cases) {
      const error = refusal(() => readWhen({ at }));
      expect({ at, code: error.code }).toEqual({ at, code: "bad_at" });
      expect(error.message).toContain(why);
      expect(error.message).toContain('e.g. "2026-11-25T09:00:00+03:00"');
    }
  });

  test("a long value is refused without being read, and quoted cut short", () => {
    const at = "2026-11-25T12:00:00Z" + " ".repeat(1_000_000) + "x";
    const error = refusal(() => readWhen({ at }));
    expect(error.code).toBe("bad_at");
    expect(error.message.length).toBeLessThan(400);
  });
});

describe("at: Unix time", () => {
  test("ten digits are seconds since the epoch, as a string or a JSON number", () => {
    expect(due(readWhen({ at: "1795586400" }))).toBe(Date.UTC(2026, 10, 25, 6));
    expect(due(readWhen({ at: 1795586400 }))).toBe(Date.UTC(2026, 10, 25, 6));
  });

  test("milliseconds and short numbers are refused, not taken for 1970", () => {
    expect(refusal(() => readWhen({ at: "1795586400000" })).message).toContain("looks like milliseconds");
    expect(refusal(() => readWhen({ at: "10" })).code).toBe("bad_at");
    expect(refusal(() => readWhen({ at: 17955864.5 })).code).toBe("bad_at");
  });
});

describe("at: HH:MM, the next such time in the bot's zone", () => {
  test("later today, or tomorrow once it has passed; the exact minute now is tomorrow", () => {
    expect(iso(due(readWhen({ at: "12:30" }), NOW, "UTC"))).toBe("2026-11-25T12:30:00.000Z");
    expect(iso(due(readWhen({ at: "9:15" }), NOW, "UTC"))).toBe("2026-11-26T09:15:00.000Z");
    expect(iso(due(readWhen({ at: "10:00" }), NOW, "UTC"))).toBe("2026-11-26T10:00:00.000Z");
    expect(iso(due(readWhen({ at: "10:00" }), NOW - 1, "UTC"))).toBe("2026-11-25T10:00:00.000Z");
  });

  test("across midnight in a zone ahead of UTC", () => {
    // 23:30 in Moscow (UTC+3) is 20:30Z; 00:15 is the next day there.
    const lateEvening = Date.UTC(2026, 10, 25, 20, 30);
    expect(iso(due(readWhen({ at: "00:15" }), lateEvening, "Europe/Moscow"))).toBe("2026-11-25T21:15:00.000Z");
    expect(iso(due(readWhen({ at: "23:45" }), lateEvening, "Europe/Moscow"))).toBe("2026-11-25T20:45:00.000Z");
    // 02:00Z is already 05:00 there: 04:00 is tomorrow's.
    expect(iso(due(readWhen({ at: "04:00" }), Date.UTC(2026, 10, 25, 2), "Europe/Moscow"))).toBe("2026-11-26T01:00:00.000Z");
  });

  test("across a DST change: the wall-clock time, with the new offset", () => {
    // Berlin springs forward on 2026-03-29 (CET +1 → CEST +2): 09:00 that day is 07:00Z.
    const saturdayNoon = Date.UTC(2026, 2, 28, 11);
    expect(iso(due(readWhen({ at: "09:00" }), saturdayNoon, "Europe/Berlin"))).toBe("2026-03-29T07:00:00.000Z");
    // And falls back on 2026-10-25 (CEST → CET): 09:00 that day is 08:00Z.
    expect(iso(due(readWhen({ at: "09:00" }), Date.UTC(2026, 9, 24, 11), "Europe/Berlin"))).toBe("2026-10-25T08:00:00.000Z");
  });

  test("a time the clocks skip is the moment they jump; a time they pass twice is the first", () => {
    // 02:30 does not exist in Berlin on 2026-03-29: clocks go from 02:00 CET to 03:00 CEST (01:00Z).
    expect(iso(due(readWhen({ at: "02:30" }), Date.UTC(2026, 2, 28, 11), "Europe/Berlin"))).toBe("2026-03-29T01:00:00.000Z");
    // 02:30 happens twice on 2026-10-25: first in CEST (00:30Z).
    expect(iso(due(readWhen({ at: "02:30" }), Date.UTC(2026, 9, 24, 11), "Europe/Berlin"))).toBe("2026-10-25T00:30:00.000Z");
  });

  test("out of range is refused", () => {
    for (const at of ["24:00", "12:60", "123:00", "12:5"]) expect({ at, code: refusal(() => readWhen({ at })).code }).toEqual({ at, code: "bad_at" });
  });
});

describe("delay", () => {
  test("s, m, h, d from now", () => {
    expect(due(readWhen({ delay: "30s" }))).toBe(NOW + 30_000);
    expect(due(readWhen({ delay: "30m" }))).toBe(NOW + 1_800_000);
    expect(due(readWhen({ delay: "2h" }))).toBe(NOW + 7_200_000);
    expect(due(readWhen({ delay: "1d" }))).toBe(NOW + 86_400_000);
  });

  test("bad spellings are refused with an example", () => {
    for (const delay of ["5", "1w", "-1m", "0s", "1.5h", "soon", "30 minutes"]) {
      const error = refusal(() => readWhen({ delay }));
      expect({ delay, code: error.code }).toEqual({ delay, code: "bad_delay" });
      expect(error.message).toContain('e.g. "90s", "30m", "2h", "1d"');
    }
  });
});

describe("the 30-day bound", () => {
  test("exactly 30 days is accepted, a moment more is not", () => {
    expect(due(readWhen({ delay: "30d" }))).toBe(NOW + MAX_SCHEDULE_MS);
    expect(due(readWhen({ delay: "720h" }))).toBe(NOW + MAX_SCHEDULE_MS);
    expect(refusal(() => readWhen({ delay: "31d" })).code).toBe("bad_delay");
    expect(refusal(() => readWhen({ delay: "2592001s" })).message).toContain("more than 30 days");
    expect(due(readWhen({ at: iso(NOW + MAX_SCHEDULE_MS) }))).toBe(NOW + MAX_SCHEDULE_MS);
    const late = refusal(() => due(readWhen({ at: iso(NOW + MAX_SCHEDULE_MS + 1000) })));
    expect(late.code).toBe("bad_at");
    expect(late.message).toContain("more than 30 days ahead");
  });
});

describe("readWhen and parseWhen", () => {
  test("neither is no schedule; both is refused", () => {
    expect(readWhen({})).toBeUndefined();
    expect(parseWhen({}, { now: NOW })).toBeUndefined();
    expect(refusal(() => readWhen({ at: "09:00", delay: "30m" }))).toEqual({ code: "duplicate_field", message: 'give "at" (a time) or "delay" (how long from now), not both' });
  });

  test("parseWhen reads and resolves in one step (for ntfy's Delay/At/In)", () => {
    expect(parseWhen({ delay: "10m" }, { now: NOW })).toBe(NOW + 600_000);
    expect(parseWhen({ at: "11:00" }, { now: NOW, timezone: "Europe/Moscow" })).toBe(Date.UTC(2026, 10, 26, 8));
    expect(refusal(() => parseWhen({ at: "noon" }, { now: NOW })).code).toBe("bad_at");
  });
});
