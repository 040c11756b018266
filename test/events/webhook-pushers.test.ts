import { afterEach, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebhookCursor } from "../../src/events/webhook-cursor.ts";
import { WebhookPushers, type WebhookSpec } from "../../src/events/webhook-pushers.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { ScriptedInbox } from "../fakes/scripted-inbox.ts";
import { fakeFetch, settle, until } from "./webhook-fakes.ts";
import { startReceiver, type Receiver } from "./webhook-receiver.ts";

const SECRET = "webhook-secret-0123456789";
let dir: string;
let pushers: WebhookPushers | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await pushers?.stop();
  pushers = undefined;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await rm(dir, { recursive: true, force: true });
});

const spec = (client: string, url: string, users: string[] | null = null, secret = SECRET): WebhookSpec => ({
  client,
  target: { url, secret },
  accepts: (event) => users === null || users.includes(event.user),
  scope: JSON.stringify(users),
});

test("apply follows the config: clients added start, removed stop, a changed url restarts from the cursor", async () => {
  dir = await mkdtemp(join(tmpdir(), "tgs-pushers-"));
  const inbox = new ScriptedInbox();
  const fetch = fakeFetch();
  pushers = new WebhookPushers({ inbox, platform: bunPlatform, dataDir: dir, fetch: fetch.fetch, clock: new FakeClock(), log: createMemoryLogger() });
  const postsTo = (host: string) => fetch.posts.filter((p) => new URL(p.url).host === host).map((p) => p.eventId);

  await pushers.apply([spec("erp", "http://erp.test/hook")]);
  await until(() => pushers!.get("erp")?.status.state === "ok", "erp started");
  inbox.add("ivanov", "1");
  await until(() => pushers!.get("erp")?.status.cursor === "1", "erp pushed 1");
  const erp = pushers.get("erp");

  await pushers.apply([spec("erp", "http://erp.test/hook"), spec("crm", "http://crm.test/hook")]);
  expect(pushers.get("erp")).toBe(erp!); // unchanged: the same loop goes on
  await until(() => pushers!.get("crm")?.status.state === "ok", "crm started");
  inbox.add("ivanov", "2");
  await until(() => pushers!.get("erp")?.status.cursor === "2" && pushers!.get("crm")?.status.cursor === "2", "both pushed 2");
  expect(postsTo("crm.test")).toEqual(["2"]); // a new client pushes from now on

  // erp moves to a new address; crm is removed.
  await pushers.apply([spec("erp", "http://erp2.test/hook")]);
  expect(pushers.get("erp")).not.toBe(erp!);
  expect(pushers.get("crm")).toBeUndefined();
  inbox.add("ivanov", "3");
  await until(() => pushers!.get("erp")?.status.cursor === "3", "erp pushed 3");
  await settle();
  expect(postsTo("erp.test")).toEqual(["1", "2"]);
  expect(postsTo("erp2.test")).toEqual(["3"]);
  expect(postsTo("crm.test")).toEqual(["2"]);
  expect(await new WebhookCursor(bunPlatform, dir, "crm").load()).toBe("2"); // kept for a comeback

  // A changed secret or readable set restarts too; an identical list changes nothing.
  const current = pushers.get("erp");
  await pushers.apply([spec("erp", "http://erp2.test/hook")]);
  expect(pushers.get("erp")).toBe(current!);
  await pushers.apply([spec("erp", "http://erp2.test/hook", ["ivanov"])]);
  expect(pushers.get("erp")).not.toBe(current!);
  const restricted = pushers.get("erp");
  await pushers.apply([spec("erp", "http://erp2.test/hook", ["ivanov"], "another-secret-0123456789")]);
  expect(pushers.get("erp")).not.toBe(restricted!);

  await pushers.apply([]);
  expect(pushers.all()).toEqual([]);
  inbox.add("ivanov", "4");
  await settle();
  expect(fetch.posts.map((p) => p.eventId)).not.toContain("4");
});

test("a receiver that hangs delays no other client; stop aborts it at once", async () => {
  dir = await mkdtemp(join(tmpdir(), "tgs-pushers-"));
  const slow = startReceiver(SECRET);
  const fast = startReceiver(SECRET);
  receivers.push(slow, fast);
  slow.answer = () => new Promise<Response>(() => {}); // never answers (within the 10 s deadline)
  const inbox = new ScriptedInbox();
  pushers = new WebhookPushers({ inbox, platform: bunPlatform, dataDir: dir, fetch: (url, init) => fetch(url, init), clock: systemClock, log: createMemoryLogger() });
  await pushers.apply([spec("slow", slow.url), spec("fast", fast.url)]);
  await until(() => pushers!.all().every(([, p]) => p.status.state === "ok"), "started");
  for (let i = 1; i <= 20; i++) inbox.add("ivanov", `message ${i}`);
  await until(() => fast.acknowledged.length === 20, "fast receiver has all 20");
  expect(fast.acknowledged).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
  expect(fast.received.every((r) => r.signatureOk)).toBe(true);
  expect(slow.received.map((r) => r.eventId)).toEqual(["1"]);
  await pushers.stop();
  pushers = undefined;
});

test("after stop, a late apply (a reload racing shutdown) starts nothing", async () => {
  dir = await mkdtemp(join(tmpdir(), "tgs-pushers-"));
  const fetch = fakeFetch();
  const local = new WebhookPushers({ inbox: new ScriptedInbox(), platform: bunPlatform, dataDir: dir, fetch: fetch.fetch, clock: new FakeClock(), log: createMemoryLogger() });
  const stopping = local.stop();
  await local.apply([spec("erp", "http://erp.test/hook")]);
  await stopping;
  expect(local.all()).toEqual([]);
});
