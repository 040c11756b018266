import { expect, test } from "bun:test";
import { decidePollAction } from "../../src/inbound/poll-policy.ts";
import { NetworkError, TelegramApiError } from "../../src/lib/errors.ts";
import { classifyFailure } from "../../src/telegram/outcome.ts";
import { TELEGRAM_TIMING, transportTiming } from "../../src/telegram/timing.ts";

const tg = (code: number, description = "x", retryAfter?: number) => classifyFailure(new TelegramApiError("getUpdates", code, description, retryAfter));
const decide = (failure: ReturnType<typeof classifyFailure>, attempt: number, random: () => number) => decidePollAction(failure, attempt, TELEGRAM_TIMING, random);

test("401 and 404 stop polling with a message that says how to fix it", () => {
  for (const code of [401, 404]) {
    const action = decide(tg(code, "Unauthorized"), 1, () => 0);
    expect(action).toMatchObject({ action: "stop", kind: "unauthorized" });
    expect(action.message).toContain("@BotFather");
  }
});

test("409 names the webhook / other instance and backs off from 5 s", () => {
  const action = decide(tg(409, "Conflict: terminated by other getUpdates request"), 1, () => 1);
  expect(action).toMatchObject({ action: "wait", kind: "conflict", delayMs: 5000 });
  expect(action.message).toContain("a webhook is set or another instance polls this bot");
});

test("429 waits retry_after plus at most a quarter second of jitter", () => {
  expect(decide(tg(429, "Too Many Requests", 7), 3, () => 0)).toMatchObject({ action: "wait", kind: "rate_limited", delayMs: 7000 });
  expect(decide(tg(429, "Too Many Requests", 7), 3, () => 0.999)).toMatchObject({ action: "wait", kind: "rate_limited", delayMs: 7250 });
});

test("5xx and network errors: capped exponential backoff with jitter; other 4xx back off too", () => {
  expect(decide(tg(502, "Bad Gateway"), 1, () => 0)).toMatchObject({ kind: "server", delayMs: 500 });
  expect(decide(classifyFailure(new NetworkError("getUpdates", "ECONNREFUSED")), 2, () => 1)).toMatchObject({ kind: "network", delayMs: 2000 });
  expect(decide(classifyFailure(new Error("boom")), 1, () => 0)).toMatchObject({ kind: "network" });
  expect(decide(tg(400, "Bad Request"), 1, () => 0)).toMatchObject({ kind: "bad_request", action: "wait" });
  expect(decide(tg(502, "Bad Gateway"), 20, () => 1)).toMatchObject({ delayMs: 60_000 });
});

test("on a scaled timing, retry_after and backoff count in its shorter second", () => {
  const fast = transportTiming(0.1);
  expect(decidePollAction(tg(429, "Too Many Requests", 2), 1, fast, () => 0)).toMatchObject({ delayMs: 200 });
  expect(decidePollAction(tg(409, "Conflict"), 1, fast, () => 1)).toMatchObject({ delayMs: 500 });
});
