// POST /notify through the real HTTP server and the fake Bot API: auth, validation (every
// rejection sends nothing and writes nothing), formats, splitting, idempotency, status.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { NotificationSchema } from "../../src/http/openapi.ts";
import { CI_TOKEN, jsonOf, PEOPLE, startNotifyHarness, TOKEN, type NotifyHarness } from "./notify-harness.ts";

let h: NotifyHarness;
beforeAll(async () => {
  h = await startNotifyHarness({
    clients: "  limited:\n    token: limited-token-0123456789\n    rate_limit: { per_second: 1, burst: 2 }",
    extraUsers: "  ghost: 12345678",
  });
});
afterAll(() => h.close());
beforeEach(() => h.api.emulator.clearSent());

async function expectRejected(res: Response, status: number, code: string): Promise<string> {
  const before = (await h.outboxLines()).length;
  const body = (await jsonOf(res)) as { error: { code: string; message: string } };
  expect({ status: res.status, code: body.error.code }).toEqual({ status, code });
  expect(h.api.emulator.sent()).toHaveLength(0);
  expect((await h.outboxLines()).length).toBe(before);
  return body.error.message;
}

describe("auth", () => {
  test("missing, malformed and unknown tokens get 401 with WWW-Authenticate", async () => {
    const missing = await h.post("/notify", { to: "ivanov", text: "x" }, { token: null });
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    await expectRejected(missing, 401, "unauthorized");
    await expectRejected(await h.post("/notify", { to: "ivanov", text: "x" }, { token: null, headers: { Authorization: "Basic abc" } }), 401, "unauthorized");
    await expectRejected(await h.post("/notify", { to: "ivanov", text: "x" }, { token: "erp-token-0123456789abcdeX" }), 401, "unauthorized");
  });

  test("allow scopes a client: a group inside its scope works, a person outside gets 403", async () => {
    const ok = await h.post("/notify", { to: "ops", text: "deploy done" }, { token: CI_TOKEN });
    expect(ok.status).toBe(200);
    h.api.emulator.clearSent();
    const message = await expectRejected(await h.post("/notify", { to: "sidorov", text: "x" }, { token: CI_TOKEN }), 403, "forbidden_recipient");
    expect(message).toContain('"sidorov"');
    // petrov is in ops, so naming him directly is within scope.
    expect((await h.post("/notify", { to: "petrov", text: "x" }, { token: CI_TOKEN })).status).toBe(200);
  });

  test("a client over its rate limit gets 429 with Retry-After", async () => {
    const send = () => h.post("/notify", { to: "sidorov", text: "x" }, { token: "limited-token-0123456789" });
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await jsonOf(limited)) as { error: { code: string } }).error.code).toBe("rate_limited");
  });

  test("health, metrics and openapi need no token", async () => {
    for (const path of ["/healthz", "/metrics", "/openapi.json"]) expect((await fetch(h.url + path)).status).toBe(200);
    const doc = (await (await fetch(h.url + "/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain("/notify/{to}");
  });
});

describe("validation: 4xx and nothing sent", () => {
  const cases: Array<[string, unknown, number, string]> = [
    ["unknown recipient with did-you-mean", { to: "ivanof", text: "x" }, 400, "unknown_recipient"],
    ["no recipient", { text: "x" }, 400, "missing_recipient"],
    ["empty text", { to: "ivanov", text: "   " }, 400, "empty_text"],
    ["missing text", { to: "ivanov" }, 400, "empty_text"],
    ["bad format", { to: "ivanov", text: "x", format: "markdownv2" }, 400, "bad_format"],
    ["bad topic", { to: "ivanov", text: "x", topic: -3 }, 400, "bad_topic"],
    ["wait out of range", { to: "ivanov", text: "x", wait: 61 }, 400, "bad_wait"],
    ["unknown field", { to: "ivanov", txt: "x" }, 400, "unknown_field"],
    ["unknown bot", { to: "ivanov", text: "x", bot: "mian" }, 400, "unknown_bot"],
    ["html that is only tags", { to: "ivanov", text: "<b></b>", format: "html" }, 400, "empty_text"],
    ["a key the key log does not know", { to: "ghost", text: "x" }, 422, "recipient_unreachable"],
  ];
  for (const [name, body, status, code] of cases) {
    test(name, async () => {
      const message = await expectRejected(await h.post("/notify", body), status, code);
      if (code === "unknown_recipient") expect(message).toContain('did you mean "ivanov"');
      if (code === "recipient_unreachable") expect(message).toContain("12345678");
    });
  }

  test("bad JSON, wrong content type and a body over the limit", async () => {
    await expectRejected(await h.post("/notify", undefined, { raw: "{not json", headers: { "Content-Type": "application/json" } }), 400, "bad_json");
    await expectRejected(await h.post("/notify", undefined, { raw: "<x/>", headers: { "Content-Type": "application/xml" } }), 415, "unsupported_media_type");
    const huge = JSON.stringify({ to: "ivanov", text: "x".repeat(2 * 1024 * 1024) });
    await expectRejected(await h.post("/notify", undefined, { raw: huge, headers: { "Content-Type": "application/json" } }), 413, "body_too_large");
  });

  test("a streamed body over the limit is cut off with 413 (no Content-Length)", async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 64) return controller.close(); // 4 MiB at most, well past the limit
        controller.enqueue(new Uint8Array(64 * 1024).fill(120));
      },
    });
    const res = await h.post("/notify/ivanov", undefined, { raw: stream, headers: { "Content-Type": "text/plain" } });
    await expectRejected(res, 413, "body_too_large");
  });

  test("wrong method is 405 with Allow; unknown path is 404; errors are JSON", async () => {
    const res = await fetch(h.url + "/notify");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    const missing = await fetch(h.url + "/nope");
    expect(missing.status).toBe(404);
    expect(((await jsonOf(missing)) as { error: { code: string } }).error.code).toBe("not_found");
  });
});

describe("sending", () => {
  test("JSON to a user and a group: ivanov is reached once per chat, 200 with message ids", async () => {
    const res = await h.post("/notify", { to: ["ivanov", "ops"], text: "disk full", title: "db1", silent: true, bot: "main" });
    expect(res.status).toBe(200);
    const body = await jsonOf(res);
    expect(Value.Check(NotificationSchema, body)).toBe(true);
    expect(body.recipients.map((r: { user: string }) => r.user)).toEqual(["ivanov", "petrov"]);
    const sent = h.api.emulator.sent(TOKEN);
    expect(sent.map((m) => m.chat_id).sort()).toEqual([PEOPLE.ivanov.chat, PEOPLE.petrov.chat]);
    expect(sent[0]).toMatchObject({ plain_text: "db1\ndisk full", disable_notification: true });
    expect(sent[0]!.entities[0]).toMatchObject({ type: "bold", offset: 0, length: 3 });
  });

  test("text/plain to /notify/{to} with query fields; curl -d form body; form fields", async () => {
    const plain = await h.post("/notify/sidorov,petrov?format=markdown&title=CI", undefined, { raw: "build **green**", headers: { "Content-Type": "text/plain" } });
    expect(plain.status).toBe(200);
    const curlD = await h.post("/notify/sidorov", undefined, { raw: "disk full on db1", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(curlD.status).toBe(200);
    const form = await h.post("/notify", undefined, { raw: "to=sidorov&text=a+%3C+b&silent=1", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(form.status).toBe(200);
    const texts = h.api.emulator.sent(TOKEN, { chat_id: PEOPLE.sidorov.chat }).map((m) => m.plain_text);
    expect(texts).toEqual(["CI\nbuild green", "disk full on db1", "a < b"]);
    expect(h.api.emulator.sent(TOKEN, { chat_id: PEOPLE.sidorov.chat })[0]!.entities.map((e) => e.type)).toEqual(["bold", "bold"]);
  });

  test("html passes through; topic sets message_thread_id", async () => {
    const res = await h.post("/notify", { to: "opsroom", text: '<i>lag</i> <a href="https://x.example/?a=1&amp;b=2">graph</a>', format: "html", topic: 42 });
    expect(res.status).toBe(200);
    const [sent] = h.api.emulator.sent(TOKEN);
    expect(sent).toMatchObject({ plain_text: "lag graph", message_thread_id: 42 });
    expect(sent!.entities.map((e) => e.type)).toEqual(["italic", "text_link"]);
  });

  test("a long text with emoji, Cyrillic and HTML is split into valid parts, in order", async () => {
    const paragraph = "Привет, мир! 😀👍🏽 <b>жирный текст</b> и <i>курсив</i>. ".repeat(60);
    const text = Array.from({ length: 6 }, (_, i) => `<b>Раздел ${i}</b>\n${paragraph}`).join("\n\n");
    const res = await h.post("/notify", { to: "sidorov", text, format: "html", wait: 30 });
    const body = await jsonOf(res);
    expect(res.status).toBe(200);
    expect(body.parts).toBeGreaterThan(2);
    const sent = h.api.emulator.sent(TOKEN);
    expect(sent).toHaveLength(body.parts);
    for (const message of sent) expect(message.plain_text.length).toBeLessThanOrEqual(4096);
    const joined = sent.map((m) => m.plain_text).join("\n\n");
    expect(joined.replace(/\s+/g, " ")).toBe(text.replace(/<[^>]+>/g, "").replace(/\s+/g, " "));
    expect(sent.map((m) => m.message_id)).toEqual([...sent.map((m) => m.message_id)].sort((a, b) => a - b));
  }, 20_000);

  test("Idempotency-Key: a retry returns the first notification; another body with it is 422", async () => {
    const headers = { "Idempotency-Key": "order-7781-shipped" };
    const first = await h.post("/notify", { to: "petrov", text: "shipped" }, { headers });
    const firstBody = await jsonOf(first);
    const again = await h.post("/notify", { to: "petrov", text: "shipped" }, { headers });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await jsonOf(again)).id).toBe(firstBody.id);
    expect(h.api.emulator.sent()).toHaveLength(1);
    const other = await h.post("/notify", { to: "petrov", text: "different" }, { headers });
    expect(other.status).toBe(422);
    // Another client may use the same key for its own notification.
    const ci = await h.post("/notify", { to: "petrov", text: "shipped" }, { headers, token: CI_TOKEN });
    expect((await jsonOf(ci)).id).not.toBe(firstBody.id);
  });

  test("wait=0 answers 202 queued; GET /messages/{id} reports delivery; other clients see 404", async () => {
    const res = await h.post("/notify", { to: "sidorov", text: "later", wait: 0 });
    expect(res.status).toBe(202);
    const { id, recipients } = await jsonOf(res);
    expect(recipients[0].status).toBe("queued");
    expect(res.headers.get("location")).toBe(`/messages/${id}`);
    const status = await fetch(`${h.url}/messages/${id}?wait=5`, { headers: { Authorization: "Bearer erp-token-0123456789abcdef" } });
    expect((await jsonOf(status)).recipients[0].status).toBe("delivered");
    const foreign = await fetch(`${h.url}/messages/${id}`, { headers: { Authorization: `Bearer ${CI_TOKEN}` } });
    expect(foreign.status).toBe(404);
  });

  test("metrics count accepted and delivered per bot", async () => {
    const text = await (await fetch(h.url + "/metrics")).text();
    expect(text).toMatch(/tgsignal_notifications_accepted_total\{bot="main"\} \d+/);
    expect(text).toMatch(/tgsignal_notifications_delivered_total\{bot="main"\} \d+/);
    expect(text).toContain("tgsignal_outbox_depth 0");
    expect(text).toContain("tgsignal_delivery_latency_seconds_bucket");
    expect(text).not.toContain(TOKEN);
  });
});
