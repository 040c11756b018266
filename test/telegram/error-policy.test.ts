import { expect, test } from "bun:test";
import { NetworkError, TelegramApiError } from "../../src/lib/errors.ts";
import { backoffDelay, decidePollAction, POLL_BACKOFF } from "../../src/telegram/error-policy.ts";

const tg = (code: number, description = "x", retryAfter?: number) => new TelegramApiError("getUpdates", code, description, retryAfter);

test("401 and 404 stop polling with a message that says how to fix it", () => {
  for (const code of [401, 404]) {
    const action = decidePollAction(tg(code, "Unauthorized"), 1, () => 0);
    expect(action).toMatchObject({ action: "stop", kind: "unauthorized" });
    expect(action.message).toContain("@BotFather");
  }
});

test("409 names the webhook / other instance and backs off from 5 s", () => {
  const action = decidePollAction(tg(409, "Conflict: terminated by other getUpdates request"), 1, () => 1);
  expect(action).toMatchObject({ action: "wait", kind: "conflict", delayMs: 5000 });
  expect(action.message).toContain("a webhook is set or another instance polls this bot");
});

test("429 waits retry_after (plus a little jitter)", () => {
  expect(decidePollAction(tg(429, "Too Many Requests", 7), 3, () => 0)).toMatchObject({ action: "wait", kind: "rate_limited", delayMs: 7000 });
  expect(decidePollAction(tg(429, "Too Many Requests", 7), 3, () => 0.999).action === "wait").toBe(true);
});

test("5xx and network errors: capped exponential backoff with jitter", () => {
  expect(decidePollAction(tg(502, "Bad Gateway"), 1, () => 0)).toMatchObject({ kind: "server", delayMs: 500 });
  expect(decidePollAction(new NetworkError("getUpdates", "ECONNREFUSED"), 2, () => 1)).toMatchObject({ kind: "network", delayMs: 2000 });
  expect(decidePollAction(new Error("boom"), 1, () => 0)).toMatchObject({ kind: "network" });
  expect(decidePollAction(tg(400, "Bad Request"), 1, () => 0)).toMatchObject({ kind: "bad_request", action: "wait" });
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempt) => backoffDelay(attempt, POLL_BACKOFF, () => 1));
  expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  expect(backoffDelay(20, POLL_BACKOFF, () => 0)).toBe(30000);
});

test("an unexpected error's message is redacted: it reaches /healthz, which is not a log line", () => {
  const raw = new TypeError("fetch failed: https://api.telegram.org/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getUpdates");
  const action = decidePollAction(raw, 1, () => 0);
  expect(action.message).not.toContain("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw");
  expect(action.message).toContain("fetch failed");
});
