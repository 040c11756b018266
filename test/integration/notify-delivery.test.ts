// Delivery policy end to end: 429, 5xx outages, 403 blocked, parse errors, migration,
// restart with a queued outbox, loopback-only mode.
import { afterEach, describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { TIME_SCALE } from "./boot-gateway.ts";
import { jsonOf, PEOPLE, startNotifyHarness, TOKEN, type NotifyHarness } from "./notify-harness.ts";

let h: NotifyHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const keyLog = async (harness: NotifyHarness) =>
  (await readFile(join(harness.dir, "data", "keys.log"), "utf8")).trim().split("\n").map((line) => JSON.parse(line));

describe("delivery policy", () => {
  test("429: the bot pauses for retry_after and the message is delivered, not dropped", async () => {
    h = await startNotifyHarness();
    h.api.emulator.failNext(TOKEN, "sendMessage", { error_code: 429, description: "Too Many Requests: retry after 2", retry_after: 2 });
    const res = await h.post("/notify", { to: "sidorov", text: "after the pause" });
    expect(res.status).toBe(200);
    // Telegram's second lasts TIME_SCALE × 1000 ms here: the retry came retry_after of them later.
    const [limited, retried] = h.api.requests("sendMessage");
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(2 * 1000 * TIME_SCALE);
    expect((await jsonOf(res)).recipients[0].attempts).toBe(1);
    expect(await (await fetch(h.url + "/metrics")).text()).toContain('tgsignal_telegram_429_total{bot="main"} 1');
  });

  test("5xx outage: queued (202) with the last error, then delivered in order once it clears", async () => {
    h = await startNotifyHarness();
    h.api.emulator.setOutage(TOKEN, { status: 502 });
    const ids: string[] = [];
    for (const text of ["one", "two", "three"]) {
      const res = await h.post("/notify", { to: "petrov", text, wait: 0.1 });
      expect(res.status).toBe(202);
      ids.push((await jsonOf(res)).id);
    }
    const status = await fetch(`${h.url}/messages/${ids[0]}`, { headers: { Authorization: "Bearer erp-token-0123456789abcdef" } });
    expect((await jsonOf(status)).recipients[0].last_error).toContain("502");
    h.api.emulator.setOutage(TOKEN, null);
    const last = await fetch(`${h.url}/messages/${ids[2]}?wait=10`, { headers: { Authorization: "Bearer erp-token-0123456789abcdef" } });
    expect((await jsonOf(last)).status).toBe("delivered");
    expect(h.api.emulator.sent(TOKEN, { chat_id: PEOPLE.petrov.chat }).map((m) => m.text)).toEqual(["one", "two", "three"]);
  }, 20_000);

  test("403 blocked: 424 with the reason, key recorded as blocked, other recipients delivered", async () => {
    h = await startNotifyHarness();
    h.api.emulator.userBlocksBot(TOKEN, PEOPLE.petrov.chat);
    const res = await h.post("/notify", { to: ["petrov", "sidorov"], text: "hello" });
    expect(res.status).toBe(424);
    const body = await jsonOf(res);
    expect(body.recipients.map((r: { status: string }) => r.status)).toEqual(["failed", "delivered"]);
    expect(body.recipients[0].error).toContain("blocked");
    expect((await keyLog(h)).at(-1)).toMatchObject({ type: "blocked", key: PEOPLE.petrov.key });
    // The next notification fails at once without calling Telegram.
    const calls = h.api.emulator.stats().calls.sendMessage ?? 0;
    const again = await h.post("/notify", { to: "petrov", text: "again" });
    expect(again.status).toBe(424);
    expect(h.api.emulator.stats().calls.sendMessage ?? 0).toBe(calls);
    // Both failures count, the one Telegram refused and the one refused at accept.
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('tgsignal_notifications_failed_total{bot="main",reason="blocked"} 2');
  });

  test("can't parse entities: one resend as plain text with a warning", async () => {
    h = await startNotifyHarness();
    const res = await h.post("/notify", { to: "sidorov", text: "x <b>unclosed", format: "html" });
    expect(res.status).toBe(200);
    const body = await jsonOf(res);
    expect(body.recipients[0].warning).toContain("plain text");
    const sent = h.api.emulator.sent(TOKEN);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.parse_mode).toBeUndefined();
    expect(sent[0]!.text).toBe("x <b>unclosed");
  });

  test("migrate_to_chat_id: resent to the supergroup and recorded as migrated", async () => {
    h = await startNotifyHarness();
    h.api.emulator.migrateChat(TOKEN, PEOPLE.opsroom.chat, -1007001);
    const res = await h.post("/notify", { to: "opsroom", text: "to the new chat" });
    expect(res.status).toBe(200);
    expect((await jsonOf(res)).recipients[0].chat_id).toBe(-1007001);
    expect(h.api.emulator.sent(TOKEN).map((m) => m.chat_id)).toEqual([-1007001]);
    expect((await keyLog(h)).at(-1)).toMatchObject({ type: "migrated", key: PEOPLE.opsroom.key, chat_id: -1007001 });
    // The registry now points at the new chat: the next notification goes there directly.
    const next = await h.post("/notify", { to: "opsroom", text: "direct" });
    expect((await jsonOf(next)).recipients[0].chat_id).toBe(-1007001);
  });

  test("a restart resumes queued notifications from the outbox; idempotency survives it", async () => {
    h = await startNotifyHarness();
    h.api.emulator.setOutage(TOKEN, { status: 503 });
    const first = await h.post("/notify", { to: "sidorov", text: "queued before restart", wait: 0 }, { headers: { "Idempotency-Key": "k-1" } });
    const { id } = await jsonOf(first);
    await h.restart();
    h.api.emulator.setOutage(TOKEN, null);
    const status = await fetch(`${h.url}/messages/${id}?wait=10`, { headers: { Authorization: "Bearer erp-token-0123456789abcdef" } });
    expect((await jsonOf(status)).status).toBe("delivered");
    const retry = await h.post("/notify", { to: "sidorov", text: "queued before restart" }, { headers: { "Idempotency-Key": "k-1" } });
    expect((await jsonOf(retry)).id).toBe(id);
    expect(h.api.emulator.sent(TOKEN).map((m) => m.text)).toEqual(["queued before restart"]);
  }, 20_000);
});

describe("no clients configured", () => {
  test("loopback callers need no token", async () => {
    h = await startNotifyHarness({ clients: null });
    const res = await h.post("/notify", { to: "sidorov", text: "local" }, { token: null });
    expect(res.status).toBe(200);
  });
});
