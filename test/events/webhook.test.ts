import { afterEach, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InboxEvent } from "../../src/events/types.ts";
import { WebhookCursor } from "../../src/events/webhook-cursor.ts";
import { WebhookPusher, type WebhookFailure, type WebhookPusherOptions } from "../../src/events/webhook.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { ScriptedInbox } from "../fakes/scripted-inbox.ts";
import { fakeFetch, memoryCursor, settle, until, type FakeFetch, type MemoryCursor } from "./webhook-fakes.ts";
import { verifySignature } from "./webhook-receiver.ts";

const SECRET = "webhook-secret-0123456789";
const URL_ = "https://erp:hunter2-pass@erp.example/hs/tgsignal?key=shared-query-secret";

interface Setup {
  pusher: WebhookPusher;
  inbox: ScriptedInbox;
  clock: FakeClock;
  fetch: FakeFetch;
  cursor: MemoryCursor;
  log: ReturnType<typeof createMemoryLogger>;
  delivered: string[];
  failures: WebhookFailure[];
}

const running: WebhookPusher[] = [];
let dir: string | undefined;
afterEach(async () => {
  await Promise.all(running.splice(0).map((pusher) => pusher.stop()));
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

function setup(overrides: Partial<WebhookPusherOptions> & { inbox?: ScriptedInbox; cursor?: MemoryCursor } = {}): Setup {
  const inbox = overrides.inbox ?? new ScriptedInbox();
  const clock = new FakeClock();
  const fetch = fakeFetch();
  const cursor = overrides.cursor ?? memoryCursor("0");
  const log = createMemoryLogger();
  const delivered: string[] = [];
  const failures: WebhookFailure[] = [];
  const pusher = new WebhookPusher({
    client: "erp",
    target: { url: URL_, secret: SECRET },
    accepts: () => true,
    inbox,
    cursor,
    fetch: fetch.fetch,
    clock,
    log,
    random: () => 1,
    events: { delivered: (client) => delivered.push(client), failed: (_, reason) => failures.push(reason) },
    ...overrides,
  });
  running.push(pusher);
  return { pusher, inbox, clock, fetch, cursor, log, delivered, failures };
}

const ids = (events: InboxEvent[]) => events.map((event) => event.id);

test("one POST per event, in id order, each signed over its exact body; the cursor follows", async () => {
  const s = setup();
  const events = [1, 2, 3, 4, 5].map((n) => s.inbox.add("ivanov", `message ${n}`));
  s.pusher.start();
  await until(() => s.cursor.value === "5", "cursor at 5");
  expect(s.fetch.posts.map((p) => p.eventId)).toEqual(ids(events));
  s.fetch.posts.forEach((post, i) => {
    expect(post.body).toBe(JSON.stringify(events[i]));
    expect(verifySignature(SECRET, new TextEncoder().encode(post.body), post.headers["X-Tgsignal-Signature"]!)).toBe(true);
  });
  expect(s.cursor.saves).toEqual(["1", "2", "3", "4", "5"]);
  expect(s.delivered).toHaveLength(5);
  // Then it waits for news, parked on the inbox, not spinning.
  await settle();
  expect(s.fetch.posts).toHaveLength(5);
  expect(s.inbox.waiting).toBe(1);
  const late = s.inbox.add("ivanov", "later");
  await until(() => s.cursor.value === late.id, "the later event");
  expect(s.fetch.posts.map((p) => p.eventId)).toEqual([...ids(events), late.id]);
  expect(s.pusher.status).toMatchObject({ state: "ok", cursor: late.id, failures: 0, retryingSince: null });
});

test("the next POST leaves only after the previous one was acknowledged", async () => {
  const s = setup();
  s.inbox.add("ivanov", "a");
  s.inbox.add("ivanov", "b");
  let release: (r: Response) => void = () => {};
  s.fetch.answer = (_, index) => (index === 0 ? new Promise<Response>((resolve) => (release = resolve)) : new Response("ok"));
  s.pusher.start();
  await until(() => s.fetch.posts.length === 1, "first POST");
  await settle();
  expect(s.fetch.posts).toHaveLength(1);
  expect(s.cursor.value).toBe("0");
  release(new Response("ok"));
  await until(() => s.cursor.value === "2", "both acknowledged");
  expect(s.fetch.posts.map((p) => p.eventId)).toEqual(["1", "2"]);
});

test("failures are retried with doubling backoff capped at 5 minutes; order holds, the next waits", async () => {
  const s = setup();
  s.inbox.add("ivanov", "a");
  s.inbox.add("ivanov", "b");
  s.inbox.add("ivanov", "c");
  const FAILS = 14;
  s.fetch.answer = (post) => new Response("busy", { status: post.eventId === "2" && s.fetch.posts.filter((p) => p.eventId === "2").length <= FAILS ? 503 : 200 });
  s.pusher.start();
  const backingOff = (failures: number) => until(() => s.failures.length === failures && s.clock.pending === 1, `backoff ${failures}`);
  await backingOff(1);
  const times: number[] = [s.clock.now()];
  // random = 1: each wait is the full step, 1 s doubling, capped at 300 s.
  const expected = [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300, 300].map((s) => s * 1000);
  for (const [i, delay] of expected.entries()) {
    await s.clock.advance(delay - 1);
    expect(s.fetch.posts.length).toBe(times.length + 1);
    await s.clock.advance(1);
    await until(() => s.fetch.posts.length >= times.length + 2, "the retry");
    times.push(s.clock.now());
    if (i < FAILS - 1) await backingOff(i + 2);
  }
  await until(() => s.cursor.value === "3", "all acknowledged");
  expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual(expected);
  expect(s.fetch.posts.map((p) => p.eventId)).toEqual(["1", ...Array(FAILS + 1).fill("2"), "3"]);
  expect(s.fetch.acknowledged()).toEqual(["1", "2", "3"]);
  expect(s.failures).toEqual(Array(FAILS).fill("http_5xx"));
  expect(s.cursor.saves).toEqual(["1", "2", "3"]);
});

test("jitter: each wait is between half and all of its step, from the injected random source", async () => {
  const s = setup({ random: () => 0 });
  s.inbox.add("ivanov", "a");
  s.fetch.answer = (_, index) => new Response(null, { status: index < 2 ? 500 : 200 });
  s.pusher.start();
  await until(() => s.fetch.posts.length === 1, "first try");
  await s.clock.advance(499);
  expect(s.fetch.posts).toHaveLength(1);
  await s.clock.advance(1);
  await until(() => s.fetch.posts.length === 2, "retry after 500 ms");
  await s.clock.advance(1000);
  await until(() => s.cursor.value === "1", "acknowledged");
});

test("retrying: status, log and lag say so; a recovery is logged once", async () => {
  const s = setup();
  const at = new Date(s.clock.now()).toISOString();
  s.inbox.add("ivanov", "a", at);
  s.fetch.answer = (_, index) => new Response("down for maintenance", { status: index < 3 ? 502 : 200, statusText: "Bad Gateway" });
  s.pusher.start();
  await until(() => s.pusher.status.state === "retrying", "retrying");
  const since = s.clock.now();
  await s.clock.advance(1000);
  await until(() => s.fetch.posts.length === 2, "second try");
  expect(s.pusher.status).toMatchObject({ state: "retrying", failures: 2, retryingSince: since, cursor: "0" });
  expect(s.pusher.status.lastError).toEqual({ reason: "http_5xx", message: "HTTP 502 Bad Gateway: down for maintenance", at: s.clock.now() });
  expect(s.pusher.lagMs(s.clock.now())).toBe(1000);
  await s.clock.advance(2000);
  await until(() => s.fetch.posts.length === 3, "third try");
  await s.clock.advance(4000);
  await until(() => s.cursor.value === "1", "acknowledged");
  expect(s.pusher.status).toMatchObject({ state: "ok", failures: 0, retryingSince: null });
  expect(s.pusher.lagMs(s.clock.now())).toBe(0);
  const warnings = s.log.lines.filter((line) => line.includes("WARN") && line.includes("webhook POST failed"));
  expect(warnings).toHaveLength(2); // attempts 1 and 2; 3 is quiet (debug)
  expect(warnings[0]).toContain("client=erp");
  expect(warnings[0]).toContain("event=1");
  expect(s.log.lines.filter((line) => line.includes("acknowledged again"))).toHaveLength(1);
});

test("neither the secret nor the URL's credentials or query values appear in any log line", async () => {
  const s = setup();
  s.inbox.add("ivanov", "a");
  s.fetch.answer = (_, index) => {
    if (index === 0) throw new TypeError(`error sending request for url (${URL_})`);
    return new Response(null, { status: index === 1 ? 301 : 200, headers: { Location: URL_ } });
  };
  s.pusher.start();
  await until(() => s.fetch.posts.length === 1, "first try");
  await s.clock.advance(1000);
  await until(() => s.fetch.posts.length === 2, "second try");
  await s.clock.advance(2000);
  await until(() => s.cursor.value === "1", "acknowledged");
  const text = s.log.lines.join("\n");
  expect(text).toContain("https://***@erp.example/hs/tgsignal?key=***");
  expect(text).toContain("redirect to https://***@erp.example/hs/tgsignal?key=*** not followed");
  for (const secret of [SECRET, "hunter2", "shared-query-secret"]) expect(text).not.toContain(secret);
  expect(JSON.stringify(s.pusher.status)).not.toContain("hunter2");
});

test("a receiver that never answers: aborted at the 10 s deadline, then retried", async () => {
  const s = setup();
  s.inbox.add("ivanov", "a");
  s.fetch.answer = (_, index) => (index === 0 ? new Promise<Response>(() => {}) : new Response("ok"));
  s.pusher.start();
  await until(() => s.fetch.posts.length === 1, "first try");
  await s.clock.advance(10_000);
  await until(() => s.pusher.status.lastError?.reason === "timeout", "timeout");
  expect(s.fetch.posts[0]!.signal.aborted).toBe(true);
  expect(s.failures).toEqual(["timeout"]);
  await s.clock.advance(1000);
  await until(() => s.cursor.value === "1", "acknowledged on the retry");
});

test("only events the client may read are pushed; the rest are passed over without spinning", async () => {
  const s = setup({ accepts: (event) => event.user === "ivanov" });
  s.inbox.add("ivanov", "mine 1");
  s.inbox.add("petrov", "not mine");
  s.inbox.add("ivanov", "mine 2");
  s.inbox.add("sidorov", "not mine either");
  s.pusher.start();
  await until(() => s.cursor.value === "3", "cursor at 3");
  await settle();
  expect(s.fetch.posts.map((p) => JSON.parse(p.body).user)).toEqual(["ivanov", "ivanov"]);
  expect(s.inbox.waiting).toBe(1);
  s.inbox.add("petrov", "still not mine");
  await settle();
  expect(s.fetch.posts).toHaveLength(2);
  expect(s.inbox.waiting).toBe(1);
  expect(s.pusher.lagMs(s.clock.now())).toBe(0);
});

test("an event that falls out of retention while failing is skipped with a warning; the cursor moves on", async () => {
  const s = setup();
  s.inbox.add("ivanov", "old");
  s.fetch.answer = (post) => new Response(null, { status: post.eventId === "1" ? 500 : 200 });
  s.pusher.start();
  await until(() => s.fetch.posts.length === 1, "first try");
  s.inbox.expire("1");
  s.inbox.add("ivanov", "new");
  await s.clock.advance(1000);
  await until(() => s.cursor.value === "2", "event 2 acknowledged");
  expect(s.fetch.posts.map((p) => p.eventId)).toEqual(["1", "2"]);
  expect(s.cursor.saves).toEqual(["1", "2"]);
  expect(s.failures).toEqual(["http_5xx", "expired"]);
  expect(s.log.lines.some((line) => line.includes("WARN") && line.includes("events_retention") && line.includes("event=1"))).toBe(true);
});

test("a new client (no cursor file) starts from now: events kept before are not pushed", async () => {
  dir = await mkdtemp(join(tmpdir(), "tgs-hook-"));
  const inbox = new ScriptedInbox();
  inbox.add("ivanov", "before 1");
  inbox.add("ivanov", "before 2");
  const cursor = new WebhookCursor(bunPlatform, dir, "erp");
  const s = setup({ inbox, cursor: Object.assign(cursor, { value: null, saves: [] }) });
  s.pusher.start();
  await until(() => s.pusher.status.state === "ok", "started");
  expect(await new WebhookCursor(bunPlatform, dir, "erp").load()).toBe("2");
  const now = inbox.add("ivanov", "after");
  await until(() => s.fetch.posts.length === 1, "the new event");
  expect(s.fetch.posts[0]!.eventId).toBe(now.id);
  expect(s.log.lines.some((line) => line.includes("no cursor yet; pushing the events from now on"))).toBe(true);
});

test("a new client's 'now' is when it starts: an event recorded while the cursor file is read is pushed", async () => {
  const inbox = new ScriptedInbox();
  inbox.add("ivanov", "before");
  const cursor = memoryCursor(null);
  const load = cursor.load;
  cursor.load = async () => {
    inbox.add("ivanov", "during the read");
    return load();
  };
  const s = setup({ inbox, cursor });
  s.pusher.start();
  await until(() => s.cursor.value === "2", "event 2 pushed");
  expect(s.cursor.saves).toEqual(["1", "2"]);
  expect(s.fetch.posts.map((p) => p.eventId)).toEqual(["2"]);
});

test("the cursor file survives the pusher: a new one resumes after the last acknowledged event", async () => {
  dir = await mkdtemp(join(tmpdir(), "tgs-hook-"));
  const inbox = new ScriptedInbox();
  const first = setup({ inbox, cursor: Object.assign(new WebhookCursor(bunPlatform, dir, "erp"), { value: null, saves: [] }) });
  first.pusher.start();
  await until(() => first.pusher.status.state === "ok", "started");
  inbox.add("ivanov", "1");
  inbox.add("ivanov", "2");
  await until(() => first.fetch.acknowledged().length === 2, "two acknowledged");
  await until(() => first.pusher.status.cursor === "2", "cursor 2");
  await first.pusher.stop();
  inbox.add("ivanov", "3");
  inbox.add("ivanov", "4");
  const second = setup({ inbox, cursor: Object.assign(new WebhookCursor(bunPlatform, dir, "erp"), { value: null, saves: [] }) });
  second.pusher.start();
  await until(() => second.fetch.posts.length === 2 && second.pusher.status.cursor === "4", "the rest");
  // stop() waits for the loop, which waits for the cursor's write.
  await second.pusher.stop();
  expect(second.fetch.posts.map((p) => p.eventId)).toEqual(["3", "4"]);
  expect(await new WebhookCursor(bunPlatform, dir, "erp").load()).toBe("4");
});

test("a damaged cursor file pauses the pusher (cursor_error, logged) until it is fixed; nothing is skipped", async () => {
  dir = await mkdtemp(join(tmpdir(), "tgs-hook-"));
  const cursor = new WebhookCursor(bunPlatform, dir, "erp");
  await mkdir(join(dir, "webhooks"));
  await writeFile(cursor.path, "{garbage");
  const inbox = new ScriptedInbox();
  inbox.add("ivanov", "1");
  inbox.add("ivanov", "2");
  const s = setup({ inbox, cursor: Object.assign(cursor, { value: null, saves: [] }) });
  s.pusher.start();
  await until(() => s.pusher.status.state === "cursor_error", "cursor_error");
  expect(s.pusher.status.lastError?.message).toContain("damaged webhook cursor");
  expect(s.log.lines.filter((line) => line.includes("ERROR") && line.includes("damaged webhook cursor"))).toHaveLength(1);
  await writeFile(cursor.path, '{"after":"1"}');
  await s.clock.advance(1000);
  await until(() => s.pusher.status.cursor === "2", "resumed after 1");
  expect(s.fetch.posts.map((p) => p.eventId)).toEqual(["2"]);
});

test("a cursor past the inbox's newest event (inbox replaced) starts over from the oldest kept", async () => {
  const inbox = new ScriptedInbox();
  inbox.add("ivanov", "1");
  const s = setup({ inbox, cursor: memoryCursor("900") });
  s.pusher.start();
  await until(() => s.cursor.value === "1", "event 1 pushed");
  expect(s.cursor.saves).toEqual(["0", "1"]);
  expect(s.log.lines.some((line) => line.includes("past the inbox's newest event"))).toBe(true);
});

test("stop aborts a POST in flight and a backoff wait at once", async () => {
  const hung = setup();
  hung.inbox.add("ivanov", "a");
  hung.fetch.answer = () => new Promise<Response>(() => {});
  hung.pusher.start();
  await until(() => hung.fetch.posts.length === 1, "POST in flight");
  await hung.pusher.stop();
  expect(hung.fetch.posts[0]!.signal.aborted).toBe(true);
  expect(hung.pusher.status.state).toBe("stopped");
  expect(hung.cursor.saves).toEqual([]);

  const waiting = setup();
  waiting.inbox.add("ivanov", "a");
  waiting.fetch.answer = () => new Response(null, { status: 500 });
  waiting.pusher.start();
  await until(() => waiting.pusher.status.state === "retrying", "backing off");
  expect(waiting.clock.pending).toBe(1);
  await waiting.pusher.stop();
  expect(waiting.clock.pending).toBe(0);
  expect(waiting.fetch.posts).toHaveLength(1);
});

test("a cursor that cannot be saved is logged; delivery goes on (at least once)", async () => {
  const cursor = memoryCursor("0");
  cursor.save = async () => {
    throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
  };
  const s = setup({ cursor });
  s.inbox.add("ivanov", "a");
  s.inbox.add("ivanov", "b");
  s.pusher.start();
  await until(() => s.fetch.posts.length === 2 && s.pusher.status.cursor === "2", "both pushed");
  expect(s.log.lines.filter((line) => line.includes("could not save the webhook cursor"))).toHaveLength(2);
});
