import { describe, expect, test } from "bun:test";
import { interpolateEnv } from "../../src/config/env.ts";

describe("interpolateEnv", () => {
  test("replaces ${VAR} and ${VAR:-default}", () => {
    expect(interpolateEnv("a ${X} b ${Y:-dflt} c", { X: "1" })).toEqual({ value: "a 1 b dflt c", missing: [], substituted: ["1"] });
  });
  test("names every missing variable", () => {
    expect(interpolateEnv("${A}${B}", {}).missing).toEqual(["A", "B"]);
  });
  test("an empty variable uses the default if given, else stays empty", () => {
    expect(interpolateEnv("${E:-d}", { E: "" }).value).toBe("d");
    expect(interpolateEnv("${E}", { E: "" })).toEqual({ value: "", missing: [], substituted: [] });
  });
  test("$${ escapes a literal", () => {
    expect(interpolateEnv("$${NOT_A_VAR}", {}).value).toBe("${NOT_A_VAR}");
  });
  test("leaves text without references alone", () => {
    expect(interpolateEnv("price $5 {key}", {}).value).toBe("price $5 {key}");
  });
});
