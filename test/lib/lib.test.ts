import { describe, expect, test } from "bun:test";
import { closest, didYouMean } from "../../src/lib/did-you-mean.ts";
import { createLogger } from "../../src/lib/log.ts";
import { Redactor } from "../../src/lib/redact.ts";

describe("did-you-mean", () => {
  test("suggests near misses only", () => {
    expect(closest("pol", ["poll", "token"])).toBe("poll");
    expect(closest("xyz", ["poll", "token"])).toBeUndefined();
    expect(didYouMean("ivanof", ["ivanov", "petrov"])).toBe('; did you mean "ivanov"?');
    // A one-letter name has nothing in common with another one-letter name.
    expect(didYouMean("a", ["b", "ops"])).toBe("");
    expect(closest("op", ["ops"])).toBe("ops");
  });
});

describe("redaction", () => {
  test("masks registered secrets and anything shaped like a bot token", () => {
    const redactor = new Redactor();
    redactor.add("supersecretclienttoken");
    const text = "GET https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe by supersecretclienttoken";
    expect(redactor.redact(text)).toBe("GET https://api.telegram.org/bot***/getMe by ***");
  });
  test("ignores secrets too short to mask safely", () => {
    const redactor = new Redactor();
    redactor.add("a");
    expect(redactor.redact("a cat")).toBe("a cat");
  });
});

describe("logger", () => {
  const now = () => new Date("2026-11-25T10:00:00.000Z");
  test("text format, levels, fields, redaction", () => {
    const lines: string[] = [];
    const redactor = new Redactor();
    redactor.add("secret-token-value");
    const log = createLogger({ format: "text", level: "info", write: (l) => lines.push(l), redactor, now });
    log.debug("hidden");
    log.info("hello", { bot: "main", note: "has space", token: "secret-token-value" });
    expect(lines).toEqual(['2026-11-25T10:00:00.000Z INFO  hello bot=main note="has space" token=***\n']);
  });
  test("json format with child fields", () => {
    const lines: string[] = [];
    const log = createLogger({ format: "json", write: (l) => lines.push(l), now }).child({ bot: "main" });
    log.warn("slow", { ms: 5, error: new Error("boom") });
    expect(JSON.parse(lines[0]!)).toEqual({ time: "2026-11-25T10:00:00.000Z", level: "warn", msg: "slow", bot: "main", ms: 5, error: "boom" });
  });
});
