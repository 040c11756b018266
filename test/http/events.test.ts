// GET /events: who may read what, the cursor, limits, every refusal (a clear 400 that
// leaves nothing waiting), and long polls woken by an event, ended by the clock, kept
// waiting through events the client may not see, and answered at once on drain.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { buildOpenApi } from "../../src/http/openapi.ts";
import { EventsQuery } from "../../src/http/schemas.ts";
import { load } from "../config/helpers.ts";
import { ids, messageDraft } from "../events/event-fixtures.ts";
import { bodyOf, CONFIG, eventsHarness, OPS_READER, SENDER, type EventsHarness } from "./events-fixtures.ts";

let h: EventsHarness;
beforeEach(async () => {
  h = await eventsHarness();
});
afterEach(async () => {
  await h.close();
});

const record = (user: string, text = `from ${user}`) => h.inbox.record(messageDraft(h.fx.clock, { user, text }));

/** Lets a request run until it waits in the inbox (no clock moves, no real sleeps). */
async function untilWaiting(count = 1): Promise<void> {
  for (let i = 0; i < 1000 && h.inbox.waiting < count; i++) await Promise.resolve();
  expect(h.inbox.waiting).toBe(count);
}

describe("who may read", () => {
  test("a client without receive gets 403 forbidden_events saying what to set", async () => {
    await record("ivanov");
    const res = await h.get("/events", SENDER);
    expect(res.status).toBe(403);
    expect(await bodyOf(res)).toEqual({
      error: { code: "forbidden_events", message: 'client "sender" may not read events; set clients.sender.receive: true in the config (a webhook implies it)' },
    });
  });

  test("no token is 401; an unknown one too", async () => {
    expect((await h.get("/events", null)).status).toBe(401);
    expect((await h.get("/events", "not-a-configured-token-at-all")).status).toBe(401);
  });

  test("a client sees only events of users inside its allow (groups flattened)", async () => {
    for (const user of ["ivanov", "petrov", "sidorov", "petrov"]) await record(user);
    expect(ids((await bodyOf(await h.get("/events"))).events)).toEqual(["1", "2", "3", "4"]);
    const scoped = (await bodyOf(await h.get("/events", OPS_READER))).events;
    expect(scoped.map((event: { user: string }) => event.user)).toEqual(["ivanov", "sidorov"]);
  });

  test("with no clients configured, a local caller reads everything", async () => {
    await h.close();
    h = await eventsHarness({ config: load(CONFIG.replace(/^clients:[\s\S]*?(?=^bots:)/m, "")) });
    await record("petrov");
    const res = await h.get("/events", null);
    expect(res.status).toBe(200);
    expect(ids((await bodyOf(res)).events)).toEqual(["1"]);
  });
});

describe("the cursor", () => {
  test("events newer than after, oldest first, in the documented JSON shape", async () => {
    const { stored } = await record("ivanov", "Где счёт 1042?");
    await record("ivanov");
    const res = await h.get("/events?after=0&limit=1");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await bodyOf(res)).toEqual({ events: [stored.event] });
    expect(ids((await bodyOf(await h.get("/events?after=1"))).events)).toEqual(["2"]);
    expect(await bodyOf(await h.get("/events?after=2"))).toEqual({ events: [] });
  });

  test("defaults: from the oldest kept, at most 100; limit goes up to 1000", async () => {
    await Promise.all(Array.from({ length: 150 }, () => record("ivanov")));
    const first = (await bodyOf(await h.get("/events"))).events;
    expect(first).toHaveLength(100);
    expect(first[99].id).toBe("100");
    expect((await bodyOf(await h.get("/events?limit=1000"))).events).toHaveLength(150);
    expect(ids((await bodyOf(await h.get("/events?after=140&limit=5"))).events)).toEqual(["141", "142", "143", "144", "145"]);
  });
});

describe("refusals: a clear 400, nothing left waiting", () => {
  const cases: Array<[string, string, string]> = [
    ["after=abc", "bad_after", 'after: must be an event id (decimal digits, e.g. 1042): only newer events are returned; 0 = from the oldest kept, got "abc"'],
    ["after=-1", "bad_after", 'got "-1"'],
    ["after=1.5", "bad_after", 'got "1.5"'],
    ["after=1&after=2", "bad_after", "after: expected a string, got a list"],
    [`after=${"9".repeat(21)}`, "bad_after", "after: must be an event id"],
    ["wait=61", "bad_wait", "wait: must be from 0 to 60, got 61"],
    ["wait=-1", "bad_wait", "wait: must be from 0 to 60, got -1"],
    ["wait=soon", "bad_wait", 'wait: expected a number, got "soon"'],
    ["limit=0", "bad_limit", "limit: must be from 1 to 1000, got 0"],
    ["limit=1001", "bad_limit", "limit: must be from 1 to 1000, got 1001"],
    ["limit=2.5", "bad_limit", "limit: expected a whole number, got 2.5"],
    ["afterr=5", "unknown_field", 'unknown field "afterr" in the query string; did you mean "after"?; fields: after, wait, limit'],
  ];
  for (const [query, code, message] of cases) {
    test(query, async () => {
      await record("ivanov");
      const pending = h.fx.clock.pending;
      const res = await h.get(`/events?${query}&wait=30`.replace("&wait=30", query.startsWith("wait") ? "" : "&wait=30"));
      expect(res.status).toBe(400);
      const { error } = await bodyOf(res);
      expect(error.code).toBe(code);
      expect(error.message).toContain(message);
      expect({ waiting: h.inbox.waiting, sleepers: h.fx.clock.pending, events: h.inbox.after("0", 10).length }).toEqual({ waiting: 0, sleepers: pending, events: 1 });
    });
  }
});

describe("long polling", () => {
  test("a waiting request is answered by the next event", async () => {
    await record("ivanov");
    const answer = h.get("/events?after=1&wait=30");
    await untilWaiting();
    expect(h.routes.waiting()).toBe(1);
    const { stored } = await record("petrov");
    expect(await bodyOf(await answer)).toEqual({ events: [stored.event] });
    expect(h.routes.waiting()).toBe(0);
  });

  test("when wait runs out on the clock, the answer is empty and nothing stays behind", async () => {
    const pending = h.fx.clock.pending;
    const answer = h.get("/events?wait=5");
    await untilWaiting();
    await h.fx.clock.advance(4999);
    expect(h.inbox.waiting).toBe(1);
    await h.fx.clock.advance(1);
    expect(await bodyOf(await answer)).toEqual({ events: [] });
    expect({ waiting: h.inbox.waiting, routes: h.routes.waiting(), sleepers: h.fx.clock.pending }).toEqual({ waiting: 0, routes: 0, sleepers: pending });
  });

  test("an event the client may not see does not end its wait with an empty answer", async () => {
    const answer = h.get("/events?wait=30", OPS_READER);
    await untilWaiting();
    await record("petrov");
    await untilWaiting();
    await record("petrov");
    await untilWaiting();
    const { stored } = await record("sidorov");
    expect(await bodyOf(await answer)).toEqual({ events: [stored.event] });
    // The answer's id is the client's next cursor: the petrov events before it are skipped for good.
    expect(stored.event.id).toBe("3");
  });

  test("many waiters share one wake-up and each gets what it may see", async () => {
    const everything = Array.from({ length: 20 }, () => h.get("/events?wait=30"));
    const scoped = Array.from({ length: 20 }, () => h.get("/events?wait=30", OPS_READER));
    await untilWaiting(40);
    await record("petrov");
    for (const answer of everything) expect(ids((await bodyOf(await answer)).events)).toEqual(["1"]);
    await untilWaiting(20);
    await record("ivanov");
    for (const answer of scoped) expect(ids((await bodyOf(await answer)).events)).toEqual(["2"]);
    expect(h.inbox.waiting).toBe(0);
  });

  test("draining (SIGTERM) answers waiting requests at once, and new ones do not wait", async () => {
    const answer = h.get("/events?wait=60");
    await untilWaiting();
    h.draining.abort();
    expect(await bodyOf(await answer)).toEqual({ events: [] });
    expect(await bodyOf(await h.get("/events?wait=60"))).toEqual({ events: [] });
    expect(h.inbox.waiting).toBe(0);
  });

  test("a client that goes away stops waiting", async () => {
    const gone = new AbortController();
    const answer = h.router.handle(new Request("http://localhost/events?wait=60", { headers: { Authorization: `Bearer ${OPS_READER}` }, signal: gone.signal }), { remoteAddr: "127.0.0.1" });
    await untilWaiting();
    gone.abort();
    await answer;
    expect(h.inbox.waiting).toBe(0);
  });
});

describe("what /openapi.json says is what is enforced", () => {
  test("the query parameters are EventsQuery's, and the documented defaults and limits hold", async () => {
    const doc = JSON.parse(JSON.stringify(buildOpenApi())) as { paths: Record<string, { get: { parameters: Array<{ name: string; schema: Record<string, unknown> }> } }> };
    const parameters = Object.fromEntries(doc.paths["/events"]!.get.parameters.map((p) => [p.name, p.schema]));
    expect(parameters).toEqual(JSON.parse(JSON.stringify(EventsQuery.properties)));
    await Promise.all(Array.from({ length: (parameters.limit!.default as number) + 1 }, () => record("ivanov")));
    const defaults = await bodyOf(await h.get("/events"));
    expect(defaults.events).toHaveLength(parameters.limit!.default as number);
    expect(defaults.events[0].id).toBe(String(Number(parameters.after!.default) + 1));
    const max = parameters.limit!.maximum as number;
    expect([(await h.get(`/events?limit=${max}`)).status, (await h.get(`/events?limit=${max + 1}`)).status]).toEqual([200, 400]);
    const wait = parameters.wait!.maximum as number;
    expect((await h.get(`/events?wait=${wait + 0.5}`)).status).toBe(400);
  });
});
