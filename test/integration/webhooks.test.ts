// Webhooks through the gateway as `serve` builds it (createGateway, the config file and
// its reloads, metrics, /healthz) with real local receivers that check the signature.
// These scenarios are the pushers' policy (order, retries, allow, reloads, metrics), which
// does not depend on the store behind the InboxStore contract: events are added ready-made
// to ScriptedInbox, in memory. A person's message through inbox.log to a signed POST is in
// events-from-people.test.ts; the real inbox and cursor across kill -9 in webhooks-crash.test.ts.
import { afterEach, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGateway, type Gateway } from "../../src/gateway/app.ts";
import { addWebhooks } from "../../src/gateway/webhooks.ts";
import type { WebhookPushers } from "../../src/events/webhook-pushers.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { ScriptedInbox } from "../fakes/scripted-inbox.ts";
import { until } from "../events/webhook-fakes.ts";
import { startReceiver, type Receiver } from "../events/webhook-receiver.ts";

const ERP_SECRET = "erp-webhook-secret-0123456789";
const OPS_SECRET = "ops-webhook-secret-0123456789";
const QUERY_SECRET = "query-secret-value-42";
const URL_PASSWORD = "url-password-value-42";

let dir: string;
let gateway: Gateway | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await rm(dir, { recursive: true, force: true });
});

function receiver(secret: string, port?: number): Receiver {
  const r = startReceiver(secret, port);
  receivers.push(r);
  return r;
}

function configText(hooks: { erp?: string; ops?: string }): string {
  const lines = ["listen: 127.0.0.1:0", "data_dir: ./data", "clients:", "  erp:", "    token: erp-token-0123456789abcdef"];
  if (hooks.erp) lines.push("    webhook:", `      url: ${hooks.erp}`, `      secret: ${ERP_SECRET}`);
  lines.push("  ops:", "    token: ops-token-0123456789abcdef", "    allow: [duty]");
  if (hooks.ops) lines.push("    webhook:", `      url: ${hooks.ops}`, `      secret: ${OPS_SECRET}`);
  lines.push("users:", "  ivanov: 48213977", "  petrov: 51928374", "groups:", "  duty: [petrov]");
  return lines.join("\n") + "\n";
}

async function boot(hooks: { erp?: string; ops?: string }): Promise<{ inbox: ScriptedInbox; pushers: WebhookPushers; log: ReturnType<typeof createMemoryLogger>; configFile: string }> {
  dir = await mkdtemp(join(tmpdir(), "tgs-webhooks-"));
  const configFile = join(dir, "config.yaml");
  await writeFile(configFile, configText(hooks));
  const load = () => loadConfigFile(bunPlatform, configFile, { env: {} });
  const log = createMemoryLogger();
  gateway = createGateway({ platform: bunPlatform, log, clock: systemClock, env: {} }, await load(), load);
  const inbox = new ScriptedInbox();
  // Backoff 100 times as fast: 10 ms doubling to 3 s.
  const pushers = addWebhooks(gateway, inbox, { scale: 0.01 });
  await gateway.start();
  await until(() => pushers.all().every(([, p]) => p.status.state === "ok"), "pushers started");
  return { inbox, pushers, log, configFile };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

async function get(path: string): Promise<string> {
  return (await gateway!.router.handle(new Request(`http://gateway${path}`))).text();
}

test("receiver down for a while (5xx, then gone): events arrive afterwards, in order, once each", async () => {
  const first = receiver(ERP_SECRET);
  const port = Number(new URL(first.url).port);
  const { inbox, pushers } = await boot({ erp: first.url });
  first.answer = () => new Response("maintenance", { status: 503 });
  for (let i = 1; i <= 10; i++) inbox.add(i % 2 ? "ivanov" : "petrov", `message ${i}`);
  await first.waitFor(3);
  await first.close();
  for (let i = 11; i <= 20; i++) inbox.add("ivanov", `message ${i}`);
  await until(() => pushers.get("erp")!.status.lastError?.reason === "network", "connection refused seen");
  expect(pushers.get("erp")!.status).toMatchObject({ state: "retrying", cursor: "0" });

  const back = receiver(ERP_SECRET, port);
  await until(() => back.acknowledged.length === 20, "all 20 acknowledged");
  expect(back.acknowledged).toEqual(range(1, 20));
  expect(back.received.map((r) => r.eventId)).toEqual(range(1, 20));
  expect(back.received.every((r) => r.signatureOk)).toBe(true);
  expect(back.received.map((r) => JSON.parse(r.body).text)).toEqual(range(1, 20).map((n) => `message ${n}`));
  expect(first.received.every((r) => r.eventId === "1")).toBe(true);
  await until(() => pushers.get("erp")!.status.cursor === "20", "cursor at 20");
  expect(pushers.get("erp")!.status).toMatchObject({ state: "ok", failures: 0, retryingSince: null });
});

test("a client with allow gets only the events of people inside it (groups flattened)", async () => {
  const erp = receiver(ERP_SECRET);
  const ops = receiver(OPS_SECRET);
  const { inbox } = await boot({ erp: erp.url, ops: ops.url });
  inbox.add("ivanov", "to everyone");
  inbox.add("petrov", "duty 1");
  inbox.add("ivanov", "again");
  inbox.add("petrov", "duty 2");
  await until(() => erp.acknowledged.length === 4 && ops.acknowledged.length === 2, "both receivers done");
  expect(ops.received.map((r) => JSON.parse(r.body).user)).toEqual(["petrov", "petrov"]);
  expect(ops.acknowledged).toEqual(["2", "4"]);
  expect(ops.received.every((r) => r.signatureOk)).toBe(true);
  expect(erp.acknowledged).toEqual(range(1, 4));
});

test("reloads: a webhook added starts, one removed stops, a changed url keeps the cursor", async () => {
  const erp = receiver(ERP_SECRET);
  const erp2 = receiver(ERP_SECRET);
  const ops = receiver(OPS_SECRET);
  const { inbox, pushers, configFile } = await boot({ erp: erp.url });
  const reload = async (hooks: { erp?: string; ops?: string }) => {
    await writeFile(configFile, configText(hooks));
    expect(await gateway!.store.reload("test")).toBe("applied");
  };
  inbox.add("petrov", "1");
  await until(() => erp.acknowledged.length === 1, "erp has 1");

  await reload({ erp: erp.url, ops: ops.url });
  await until(() => pushers.get("ops")?.status.state === "ok", "ops started");
  inbox.add("petrov", "2");
  await until(() => erp.acknowledged.length === 2 && ops.acknowledged.length === 1, "both have 2");
  expect(ops.acknowledged).toEqual(["2"]);

  await reload({ erp: erp2.url });
  expect(pushers.get("ops")).toBeUndefined();
  inbox.add("petrov", "3");
  await until(() => erp2.acknowledged.length === 1, "erp2 has 3");
  expect(erp2.acknowledged).toEqual(["3"]);
  expect(erp.acknowledged).toEqual(["1", "2"]);
  expect(ops.acknowledged).toEqual(["2"]);

  // ops comes back: it resumes from its cursor, so what it missed meanwhile arrives.
  await reload({ erp: erp2.url, ops: ops.url });
  await until(() => ops.acknowledged.length === 2, "ops caught up");
  expect(ops.acknowledged).toEqual(["2", "3"]);
});

test("metrics and /healthz: deliveries, failures by reason, lag, per-client state; no secret anywhere", async () => {
  const erp = receiver(ERP_SECRET);
  const url = erp.url.replace("http://", `http://erp:${URL_PASSWORD}@`) + `?key=${QUERY_SECRET}`;
  const { inbox, pushers, log } = await boot({ erp: url });
  let down = true;
  erp.answer = () => new Response(down ? "no" : "ok", { status: down ? 500 : 200 });
  inbox.add("ivanov", "1");
  await until(() => pushers.get("erp")!.status.failures >= 5, "five failures");

  const degraded = JSON.parse(await get("/healthz"));
  expect(degraded.status).toBe("degraded");
  expect(degraded.webhooks.erp).toMatchObject({
    url: `${erp.url.replace("http://", "http://***@")}?key=***`,
    state: "retrying",
    cursor: "0",
    last_error: { reason: "http_5xx", message: "HTTP 500 Internal Server Error: no" },
  });
  expect(degraded.webhooks.erp.lag_seconds).toBeGreaterThanOrEqual(0);
  expect(typeof degraded.webhooks.erp.retrying_since).toBe("string");
  const failing = await get("/metrics");
  expect(failing).toMatch(/tgsignal_webhook_failures_total\{client="erp",reason="http_5xx"\} [5-9]/);
  expect(failing).toMatch(/tgsignal_webhook_lag_seconds\{client="erp"\} \d/);

  down = false;
  inbox.add("ivanov", "2");
  await until(() => pushers.get("erp")!.status.cursor === "2", "both delivered");
  const healthy = JSON.parse(await get("/healthz"));
  expect(healthy.status).toBe("ok");
  expect(healthy.webhooks.erp).toMatchObject({ state: "ok", cursor: "2", consecutive_failures: 0, retrying_since: null, lag_seconds: 0 });
  const metrics = await get("/metrics");
  expect(metrics).toContain('tgsignal_webhook_deliveries_total{client="erp"} 2');
  expect(metrics).toContain('tgsignal_webhook_lag_seconds{client="erp"} 0');
  expect(erp.received.every((r) => r.headers.get("authorization") === `Basic ${btoa(`erp:${URL_PASSWORD}`)}`)).toBe(true);

  const everything = [JSON.stringify(degraded), JSON.stringify(healthy), failing, metrics, log.lines.join("\n")].join("\n");
  for (const secret of [ERP_SECRET, QUERY_SECRET, URL_PASSWORD]) expect(everything).not.toContain(secret);
});

