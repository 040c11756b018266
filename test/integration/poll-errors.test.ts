// The polling error policy end to end: 401 stops the bot until its config changes,
// 409 backs off with a clear message, 429 waits retry_after, 5xx backs off and recovers.
// A failing bot never affects the other bot or the HTTP endpoint. Telegram's second lasts
// TIME_SCALE × 1000 ms here, for the gateway and the fake alike; waits are read from the
// times the fake saw each getUpdates arrive.
import { afterEach, expect, test } from "bun:test";
import { TIME_SCALE } from "./boot-gateway.ts";
import { ask, BOT, configYaml, createHarness, keyIn, TOKEN, TOKEN_B, waitFor, type Harness } from "./inbound-harness.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const SECOND = 1000 * TIME_SCALE;
type BotHealth = { state: string; last_error: { kind: string; message: string } | null; last_success_at: string | null };
const botHealth = (h: Harness, id = "main") => (h.gateway!.health.report({}).bots as Record<string, BotHealth>)[id]!;
const polls = (h: Harness, token = TOKEN) => h.api.requests("getUpdates", token);
const twoBots = [{ id: "main", token: TOKEN }, { id: "second", token: TOKEN_B }];

test("401: polling stops, the bot is unhealthy, the other bot answers; a config change restarts it", async () => {
  harness = await createHarness(twoBots);
  const gateway = await harness.start();
  keyIn(await ask(harness.api, "/key"));
  harness.api.emulator.revokeToken(TOKEN);
  await waitFor(() => botHealth(harness!).state === "unauthorized", 3000, "unauthorized");
  const health = gateway.health.report({});
  expect(health.status).toBe("degraded");
  expect(JSON.stringify(health)).not.toContain(TOKEN);
  expect(botHealth(harness).last_error?.message).toContain("@BotFather");
  expect(gateway.metrics.render()).toContain('tgsignal_poll_errors_total{bot="main",kind="unauthorized"} 1');
  const stoppedAt = polls(harness).length;
  keyIn(await ask(harness.api, "/key", { token: TOKEN_B }));
  // Once the healthy bot listens again, it polls anew at each tick: a whole tick passes
  // with no poll of the stopped bot.
  await waitFor(() => harness!.api.emulator.isPolling(TOKEN_B), 3000, "the healthy bot listening");
  const second = polls(harness, TOKEN_B).length;
  await waitFor(() => polls(harness!, TOKEN_B).length >= second + 2, 5000, "two ticks of the healthy bot");
  expect(polls(harness).length).toBe(stoppedAt);
  expect(botHealth(harness).state).toBe("unauthorized");
  // The admin fixes the config: a working token (here another bot: the emulator starts a
  // fresh update sequence, and the saved offset of the old bot must not apply to it).
  const fixed = "333333:CCCCCCCCCCCCCCCCCCCCCCCCCCCC";
  harness.api.emulator.addBot({ ...BOT, token: fixed, id: 333333 });
  await harness.writeConfig(configYaml(harness.api.url, [{ id: "main", token: fixed }, { id: "second", token: TOKEN_B }]));
  keyIn(await ask(harness.api, "/key", { token: fixed }));
  expect(botHealth(harness).state).not.toBe("unauthorized");
  const response = await gateway.router.handle(new Request("http://localhost/healthz"));
  expect(response.status).toBe(200);
}, 15_000);

test("409: 'webhook set or another instance' is reported, polling backs off (from 5 s) and resumes", async () => {
  harness = await createHarness();
  await harness.start();
  await waitFor(() => harness!.api.emulator.isPolling(TOKEN), 3000, "polling");
  harness.api.emulator.failNext(TOKEN, "getUpdates", { error_code: 409, description: "Conflict: terminated by other getUpdates request", times: 1 });
  // A message ends the open long poll; the next getUpdates draws the 409.
  keyIn(await ask(harness.api, "/key"));
  await waitFor(() => botHealth(harness!).last_error?.kind === "conflict", 3000, "conflict");
  const conflictAt = polls(harness).length - 1;
  expect(harness.log.lines.some((line) => line.includes("a webhook is set or another instance polls this bot"))).toBe(true);
  expect(botHealth(harness).state).toBe("backoff");
  keyIn(await ask(harness.api, "/key", { from: { id: 5002, first_name: "Petr" }, timeoutMs: 20_000 }));
  // Equal jitter: at least half of the 5 s step before the next poll.
  const [failed, next] = polls(harness).slice(conflictAt, conflictAt + 2);
  expect(next!.at - failed!.at).toBeGreaterThanOrEqual(2.5 * SECOND);
}, 30_000);

test("429: the poller waits retry_after before the next getUpdates", async () => {
  harness = await createHarness();
  await harness.start();
  await waitFor(() => harness!.api.emulator.isPolling(TOKEN), 3000, "polling");
  harness.api.emulator.failNext(TOKEN, "getUpdates", { error_code: 429, description: "Too Many Requests: retry after 2", retry_after: 2 });
  // A message ends the open long poll; the next getUpdates draws the 429.
  keyIn(await ask(harness.api, "/key"));
  await waitFor(() => botHealth(harness!).last_error?.kind === "rate_limited", 3000, "rate limited");
  const limitedAt = polls(harness).length - 1;
  keyIn(await ask(harness.api, "/key", { from: { id: 5002, first_name: "Petr" }, timeoutMs: 5000 }));
  const [limited, next] = polls(harness).slice(limitedAt, limitedAt + 2);
  expect(next!.at - limited!.at).toBeGreaterThanOrEqual(2 * SECOND);
  // The gateway did run on the short second (it says so, since it must never against Telegram).
  expect(harness.log.lines.some((line) => line.includes("TGSIGNAL_TIME_SCALE") && line.includes(`scale=${TIME_SCALE}`))).toBe(true);
  expect(harness.gateway!.metrics.render()).toContain('tgsignal_poll_errors_total{bot="main",kind="rate_limited"} 1');
}, 15_000);

test("5xx outage: a backoff that doubles, the other bot unaffected, recovery answers the waiting request", async () => {
  harness = await createHarness(twoBots);
  await harness.start();
  await waitFor(() => harness!.api.emulator.isPolling(TOKEN), 3000, "polling");
  harness.api.emulator.setOutage(TOKEN, { status: 502 });
  await waitFor(() => botHealth(harness!).last_error?.kind === "server", 3000, "server error");
  const outageAt = polls(harness).length - 1;
  harness.api.emulator.userWrites({ token: TOKEN, from: { id: 5001, first_name: "Ivan" }, text: "/key" });
  keyIn(await ask(harness.api, "/key", { token: TOKEN_B }));
  await waitFor(() => polls(harness!).length >= outageAt + 3, 5000, "three failed polls");
  // Backoff 0.5–1 s, then 1–2 s (in Telegram's seconds): each wait at least half its step.
  const times = polls(harness).slice(outageAt, outageAt + 3).map((request) => request.at);
  [1, 2].forEach((step, i) => expect(times[i + 1]! - times[i]!).toBeGreaterThanOrEqual((step / 2) * SECOND));
  harness.api.emulator.setOutage(TOKEN, null);
  const reply = await harness.api.emulator.waitForSent((m) => m.token === TOKEN && m.chat_id === 5001, 8000);
  keyIn(reply.text);
  await waitFor(() => botHealth(harness!).state !== "backoff", 3000, "recovery");
  expect(harness.gateway!.metrics.render()).toMatch(/tgsignal_poll_last_success_timestamp_seconds\{bot="main"\} \d+/);
}, 30_000);
