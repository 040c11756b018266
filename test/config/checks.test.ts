import { describe, expect, test } from "bun:test";
import { checkCron, checkKey, checkName, normalizePhrase, parseListen, parseSize } from "../../src/config/checks.ts";

describe("checks", () => {
  test("names", () => {
    expect(checkName("ivanov")).toBeUndefined();
    expect(checkName("иванов.и-и_2")).toBeUndefined();
    expect(checkName("123")).toContain("all digits");
    expect(checkName("a,b")).toContain("may contain only");
    expect(checkName("a b")).toContain("may contain only");
  });
  test("keys", () => {
    expect(checkKey("10000000")).toBeUndefined();
    expect(checkKey("99999999")).toBeUndefined();
    for (const bad of ["09999999", "1234567", "123456789", "1234567a", ""]) expect(checkKey(bad)).toBeDefined();
  });
  test("cron via croner: 5 and 6 fields", () => {
    expect(checkCron("* * * * *")).toBeUndefined();
    expect(checkCron("* * * * * *")).toBeUndefined();
    expect(checkCron("* 8-20 * * 1-5")).toBeUndefined();
    expect(checkCron("60 * * * *")).toContain("invalid cron pattern");
    expect(checkCron("every minute")).toContain("invalid cron pattern");
  });
  test("listen", () => {
    expect(parseListen("127.0.0.1:8787")).toEqual({ hostname: "127.0.0.1", port: 8787 });
    expect(parseListen("host")).toBeUndefined();
    expect(parseListen("1.2.3.4:")).toBeUndefined();
    expect(parseListen("1.2.3.4:65536")).toBeUndefined();
  });
  test("sizes", () => {
    expect(parseSize("1MiB")).toBe(1048576);
    expect(parseSize("1.5 KiB")).toBe(1536);
    expect(parseSize("10 parsecs")).toBeUndefined();
  });
  test("phrases compare without case and punctuation", () => {
    expect(normalizePhrase("  Мой КЛЮЧ!!! ")).toBe("мой ключ");
    expect(normalizePhrase("my-key?")).toBe("my key");
    expect(normalizePhrase("Ещё")).toBe("еще");
  });
});
