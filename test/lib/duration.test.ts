import { describe, expect, test } from "bun:test";
import { parseDuration } from "../../src/lib/duration.ts";

describe("parseDuration", () => {
  test("a whole number with s, m, h or d", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration(" 2H ")).toBe(7_200_000);
    expect(parseDuration("7d")).toBe(604_800_000);
  });

  test("anything else is refused", () => {
    for (const bad of ["", "7", "d", "0s", "1.5h", "-1d", "2w", "1d2h", "10000000000s"]) expect(parseDuration(bad)).toBeUndefined();
  });
});
