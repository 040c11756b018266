import { describe, expect, test } from "bun:test";
import { NetworkError, TelegramApiError } from "../../src/lib/errors.ts";
import { classifyFailure } from "../../src/telegram/outcome.ts";

const telegram = (code: number, description: string, retryAfter?: number, migrate?: number) =>
  new TelegramApiError("sendMessage", code, description, retryAfter, migrate);

describe("classifyFailure", () => {
  test("429 is rate_limited with Telegram's retry_after (5 s when it names none)", () => {
    expect(classifyFailure(telegram(429, "Too Many Requests: retry after 7", 7))).toMatchObject({ kind: "rate_limited", retryAfterSeconds: 7 });
    expect(classifyFailure(telegram(429, "Too Many Requests"))).toMatchObject({ kind: "rate_limited", retryAfterSeconds: 5 });
  });

  test("401 and 404 are a rejected token; 409 is a conflict (webhook or another poller)", () => {
    expect(classifyFailure(telegram(401, "Unauthorized")).kind).toBe("unauthorized");
    expect(classifyFailure(telegram(404, "Not Found")).kind).toBe("unauthorized");
    expect(classifyFailure(telegram(409, "Conflict: terminated by other getUpdates request")).kind).toBe("conflict");
  });

  test("blocked, kicked, deactivated and chat not found are blocked", () => {
    for (const [code, text] of [[403, "Forbidden: bot was blocked by the user"], [403, "Forbidden: bot was kicked from the group chat"], [403, "Forbidden: user is deactivated"], [400, "Bad Request: chat not found"]] as const)
      expect(classifyFailure(telegram(code, text)).kind).toBe("blocked");
  });

  test("parse errors and migrations are their own classes", () => {
    expect(classifyFailure(telegram(400, "Bad Request: can't parse entities: Unsupported start tag")).kind).toBe("parse_error");
    expect(classifyFailure(telegram(400, "Bad Request: group chat was upgraded to a supergroup chat", undefined, -100123))).toMatchObject({ kind: "migrated", chatId: -100123 });
  });

  test("5xx and network failures are retryable; only a network failure may have reached Telegram (ambiguous)", () => {
    expect(classifyFailure(telegram(502, "Bad Gateway"))).toMatchObject({ kind: "retryable", source: "server", ambiguous: false, reason: "502 Bad Gateway" });
    expect(classifyFailure(new NetworkError("sendMessage", "no answer within 30s; the request was aborted"))).toMatchObject({ kind: "retryable", source: "network", ambiguous: true });
  });

  test("other 400s are bad requests; the failure keeps the error it came from", () => {
    const error = telegram(400, "Bad Request: message thread not found");
    expect(classifyFailure(error)).toMatchObject({ kind: "bad_request", reason: "400 Bad Request: message thread not found", error });
  });

  test("an unexpected error is retryable, and its message is redacted: it reaches /healthz and logs", () => {
    const raw = new TypeError("fetch failed: https://api.telegram.org/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getUpdates");
    const failure = classifyFailure(raw);
    expect(failure).toMatchObject({ kind: "retryable", source: "network" });
    expect(failure.reason).not.toContain("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw");
    expect(failure.reason).toContain("fetch failed");
  });
});
