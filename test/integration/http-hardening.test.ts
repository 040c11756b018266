// Hostile and broken requests through the real gateway behind a real socket (issue 12):
// no answer depends on whether a guess equals a secret, a scoped client learns no names
// outside its scope, broken requests are 400s rather than logged 500s, a gateway without
// clients refuses web pages, and texts are capped by what would really be sent. Every
// refusal sends nothing and stores nothing.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { Server } from "../../src/platform/platform.ts";
import { hangUpMidBody, parseAnswer, rawRequest } from "../http/raw-http.ts";
import { CI_TOKEN, ERP_TOKEN, jsonOf, startNotifyHarness, TOKEN, type NotifyHarness } from "./notify-harness.ts";

/** Status, headers (but the date) and body, for byte-for-byte comparison. */
async function snapshot(res: Response) {
  const headers = [...res.headers].filter(([name]) => name !== "date");
  return { status: res.status, headers, body: await res.text() };
}

/** Checks the refusal and that nothing reached Telegram or the outbox; returns the message. */
async function expectRefused(h: NotifyHarness, answer: Response | { status: number; body: unknown }, status: number, code: string): Promise<string> {
  const body = (answer instanceof Response ? await jsonOf(answer) : answer.body) as { error: { code: string; message: string } };
  expect({ status: answer.status, code: body.error.code }).toEqual({ status, code });
  expect(h.api.emulator.sent()).toHaveLength(0);
  expect(await h.outboxLines()).toHaveLength(0);
  return body.error.message;
}

/**
 * The gateway's own router behind a second server whose `handled` resolves when the
 * router has answered, so a test knows the request is over even when its client is gone.
 */
async function serveRouter(h: NotifyHarness): Promise<{ server: Server; handled: () => Promise<void> }> {
  let handled = Promise.withResolvers<void>();
  const server = await bunPlatform.serve({
    hostname: "127.0.0.1",
    port: 0,
    handler: (req, info) => h.gateway.router.handle(req, info).finally(() => handled.resolve()),
  });
  return {
    server,
    handled: async () => {
      await handled.promise;
      handled = Promise.withResolvers<void>();
    },
  };
}

// The harness runs on a shorter Telegram second and says so once; that warning is expected.
const problems = (h: NotifyHarness) => h.log.lines.filter((line) => / (ERROR|WARN) /.test(line) && !line.includes("TGSIGNAL_TIME_SCALE"));

describe("with clients", () => {
  let h: NotifyHarness;
  beforeAll(async () => {
    h = await startNotifyHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => h.api.emulator.clearSent());

  test("unknown paths equal to a client token, a bot token, or nothing secret get byte-identical answers", async () => {
    const answers = [];
    for (const guess of [ERP_TOKEN, TOKEN, "erp-token-0123456789abcdeX"]) answers.push(await snapshot(await fetch(`${h.url}/${guess}`)));
    expect(answers[0]!.status).toBe(404);
    expect(answers[1]).toEqual(answers[0]!);
    expect(answers[2]).toEqual(answers[0]!);
    expect(answers[0]!.body).not.toContain("token");
  });

  test("a recipient equal to a secret is echoed like any other name, not masked", async () => {
    const echo = async (guess: string) => (await expectRefused(h, await h.post("/notify", { to: guess, text: "x" }), 400, "unknown_recipient")).replace(guess, "<guess>");
    expect(await echo(ERP_TOKEN)).toBe(await echo("erp-token-0123456789abcdeX"));
  });

  test("a scoped client learns no name outside its scope: existing or not, the same 403, suggestions from its scope only", async () => {
    const message = async (name: string) =>
      (await expectRefused(h, await h.post("/notify", { to: name, text: "x" }, { token: CI_TOKEN }), 403, "forbidden_recipient")).replace(name, "<name>");
    expect(await message("sidorov")).toBe(await message("nobody"));
    expect(await message("sidorof")).toBe('client "ci" may not notify "<name>"; its allow list is [ops]');
    expect(await message("ivanof")).toBe('client "ci" may not notify "<name>" (did you mean "ivanov"?); its allow list is [ops]');
  });

  test("a form or a query string that is not UTF-8 is 400, not text with U+FFFD", async () => {
    const form = new Uint8Array([...new TextEncoder().encode("to=ivanov&text=caf"), 0xe9]);
    const headers = { "Content-Type": "application/x-www-form-urlencoded" };
    const raw = await fetch(`${h.url}/notify`, { method: "POST", headers: { ...headers, Authorization: `Bearer ${ERP_TOKEN}` }, body: form });
    await expectRefused(h, raw, 400, "bad_body");
    await expectRefused(h, await h.post("/notify", undefined, { headers, raw: "to=ivanov&text=caf%E9" }), 400, "bad_body");
    await expectRefused(h, await h.post("/notify/ivanov?text=caf%E9", undefined, { raw: "" }), 400, "bad_field");
    const webhook = new Uint8Array([...new TextEncoder().encode('{"alerts":[{"labels":{"alertname":"caf'), 0xe9, ...new TextEncoder().encode('"}}]}')]);
    const template = await fetch(`${h.url}/notify/ivanov?template=alertmanager`, { method: "POST", headers: { Authorization: `Bearer ${ERP_TOKEN}`, "Content-Type": "application/json" }, body: webhook });
    expect(await expectRefused(h, template, 400, "bad_body")).toContain("not valid UTF-8");
  });

  test("HTML that would go out as 22 plain-text messages after a parse error is 413 text_too_long", async () => {
    const text = "<b></b>".repeat(12_800) + "x".repeat(100);
    const message = await expectRefused(h, await h.post("/notify", { to: "ivanov", text, format: "html" }), 413, "text_too_long");
    expect(message).toContain("plain text");
  });

  describe("broken requests over a raw socket", () => {
    let served: Awaited<ReturnType<typeof serveRouter>>;
    beforeEach(async () => {
      served = await serveRouter(h);
    });
    afterEach(() => served.server.stop());

    test.each([
      ["HTTP/1.0 without Host", "GET /healthz HTTP/1.0\r\n\r\n"],
      ["a port over 65535", "POST /notify HTTP/1.1\r\nHost: x:99999\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"],
    ])("%s is 400 bad_host, and no error is logged", async (_name, request) => {
      await expectRefused(h, parseAnswer(await rawRequest(served.server.port, request)), 400, "bad_host");
      await served.handled();
      expect(problems(h)).toEqual([]);
    });

    test("a client hanging up mid-body logs no error, and nothing is sent or stored", async () => {
      const body = JSON.stringify({ to: "ivanov", text: "x".repeat(500) });
      const head = `POST /notify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ERP_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      await hangUpMidBody(served.server.port, head + body.slice(0, 100));
      await served.handled();
      expect(problems(h)).toEqual([]);
      expect(h.api.emulator.sent()).toHaveLength(0);
      expect(await h.outboxLines()).toHaveLength(0);
    });
  });
});

describe("without clients: local programs only", () => {
  let h: NotifyHarness;
  beforeAll(async () => {
    h = await startNotifyHarness({ clients: null });
  });
  afterAll(() => h.close());
  beforeEach(() => h.api.emulator.clearSent());

  const notify = (host: string) => {
    const body = JSON.stringify({ to: "sidorov", text: "hello", wait: 0 });
    return `POST /notify HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
  };

  test("a cross-origin browser form POST (it carries Origin) is 403", async () => {
    const form = { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" };
    const message = await expectRefused(h, await h.post("/notify", undefined, { token: null, headers: form, raw: "to=sidorov&text=pwned" }), 403, "forbidden");
    expect(message).toContain("Origin");
  });

  test("a foreign Host (DNS rebinding) is 403, a loopback Host is served", async () => {
    const port = Number(new URL(h.url).port);
    for (const host of ["evil.example", `rebind.evil.example:${port}`, "0.0.0.0"]) await expectRefused(h, parseAnswer(await rawRequest(port, notify(host))), 403, "forbidden");
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) expect([200, 202]).toContain(parseAnswer(await rawRequest(port, notify(host))).status);
  });
});

describe("markdown from every door (notifications are stored here)", () => {
  let h: NotifyHarness;
  beforeAll(async () => {
    h = await startNotifyHarness();
  });
  afterAll(() => h.close());

  test("a megabyte of markdown that only grows is refused unrendered wherever markdown comes in: /notify, ntfy's Markdown, PATCH", async () => {
    // One line of unclosed markers: rendered whole, it held the event loop for ~46 ms in one go.
    const text = "**a *b _c ~~d ||e `f [g ".repeat(40_000);
    const notify = await expectRefused(h, await h.post("/notify", { to: "ivanov", text, format: "markdown", wait: 0 }), 413, "text_too_long");
    expect(notify).toContain("more than 20 messages");
    const ntfy = await h.post("/ivanov", undefined, { headers: { Markdown: "yes" }, raw: text });
    expect(ntfy.headers.get("X-Tgsignal-Error")).toBe("text_too_long");
    await expectRefused(h, { status: ntfy.status, body: { error: { code: ntfy.headers.get("X-Tgsignal-Error"), message: "" } } }, 413, "text_too_long");
    const sent = await jsonOf(await h.post("/notify", { to: "ivanov", text: "Счёт 1042", wait: 10 }));
    const before = await h.outboxLines();
    h.api.emulator.clearSent();
    const patch = await fetch(`${h.url}/messages/${sent.id}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${ERP_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ text, format: "markdown" }),
    });
    expect({ status: patch.status, code: ((await patch.json()) as { error: { code: string } }).error.code }).toEqual({ status: 409, code: "not_editable" });
    expect(await h.outboxLines()).toEqual(before);
    expect(h.api.emulator.sent()).toHaveLength(0);
  });
});
