import { describe, expect, test } from "bun:test";
import { NetworkError, TelegramApiError } from "../../src/lib/errors.ts";
import { backoffDelay, classifyFailure } from "../../src/delivery/policy.ts";

const telegram = (code: number, description: string, retryAfter?: number, migrate?: number) =>
  new TelegramApiError("sendMessage", code, description, retryAfter, migrate);

describe("classifyFailure", () => {
  test("429 pauses for retry_after", () => {
    expect(classifyFailure(telegram(429, "Too Many Requests: retry after 7", 7))).toMatchObject({ kind: "pause", ms: 7000 });
  });
  test("blocked, kicked, deactivated and chat not found are permanent and recorded", () => {
    for (const [code, text] of [[403, "Forbidden: bot was blocked by the user"], [403, "Forbidden: bot was kicked from the group chat"], [403, "Forbidden: user is deactivated"], [400, "Bad Request: chat not found"]] as const)
      expect(classifyFailure(telegram(code, text)).kind).toBe("blocked");
  });
  test("parse errors resend as plain text; migration follows the new chat", () => {
    expect(classifyFailure(telegram(400, "Bad Request: can't parse entities: Unsupported start tag")).kind).toBe("plain");
    expect(classifyFailure(telegram(400, "Bad Request: group chat was upgraded to a supergroup chat", undefined, -100123))).toMatchObject({ kind: "migrate", chatId: -100123 });
  });
  test("5xx, 401 and network errors retry; a timeout may have delivered (ambiguous)", () => {
    expect(classifyFailure(telegram(502, "Bad Gateway"))).toMatchObject({ kind: "retry", ambiguous: false });
    expect(classifyFailure(telegram(401, "Unauthorized"))).toMatchObject({ kind: "retry" });
    expect(classifyFailure(new NetworkError("sendMessage", "no answer within 30s"))).toMatchObject({ kind: "retry", ambiguous: true });
  });
  test("other 400s fail without retrying", () => {
    expect(classifyFailure(telegram(400, "Bad Request: message thread not found")).kind).toBe("fail");
  });
});

test("backoff doubles from 1 s and is capped at 60 s", () => {
  expect([1, 2, 3, 7, 20].map((attempt) => backoffDelay(attempt))).toEqual([1000, 2000, 4000, 60_000, 60_000]);
});
