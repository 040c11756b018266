import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readBodyLimited } from "../../src/http/body.ts";
import { ERRORS } from "../../src/http/errors.ts";
import { Router } from "../../src/http/router.ts";
import { redactor } from "../../src/lib/redact.ts";
import type { Server } from "../../src/platform/platform.ts";
import { hangUpMidBody, parseAnswer, rawRequest } from "./raw-http.ts";
import { MetricsRegistry } from "../../src/lib/metrics.ts";
import { RequestError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { createGateway } from "../../src/gateway/app.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { load } from "../config/helpers.ts";

describe("router", () => {
  const router = new Router(createMemoryLogger())
    .add("GET", "/messages/:id", (_req, ctx) => Response.json(ctx.params))
    .add("POST", "/notify", () => {
      throw new RequestError("empty_text", "text is empty");
    })
    .add("POST", "/boom", () => {
      throw new Error("secret internals");
    });

  test("params are decoded", async () => {
    const res = await router.handle(new Request("http://x/messages/a%2Cb"));
    expect(await res.json()).toEqual({ id: "a,b" });
  });
  test("404 and 405 with Allow, as JSON errors", async () => {
    const missing = await router.handle(new Request("http://x/nope"));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const wrong = await router.handle(new Request("http://x/notify"));
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("Allow")).toBe("POST");
  });
  test("request errors render with their status; others as 500 without internals", async () => {
    const bad = await router.handle(new Request("http://x/notify", { method: "POST" }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: "empty_text", message: "text is empty" } });
    const boom = await router.handle(new Request("http://x/boom", { method: "POST" }));
    expect(boom.status).toBe(500);
    expect(JSON.stringify(await boom.json())).not.toContain("secret internals");
  });
});

describe("answers that echo nothing of an unauthenticated request", () => {
  const router = new Router(createMemoryLogger()).add("POST", "/notify", () => new Response("ok"));
  const secret = "client-token-0123456789abcdef";
  redactor.add(secret);

  /** Status, headers and body as bytes, for byte-for-byte comparison. */
  const snapshot = async (res: Response) => ({ status: res.status, headers: [...res.headers], body: await res.text() });

  test("an unknown path is answered the same whether or not it equals a secret", async () => {
    const guessed = await snapshot(await router.handle(new Request(`http://x/${secret}`)));
    const other = await snapshot(await router.handle(new Request("http://x/client-token-0123456789abcdeX")));
    expect(guessed).toEqual(other);
    expect(guessed.status).toBe(404);
    expect(guessed.body).not.toContain("client-token");
  });

  test("a wrong method is not echoed", async () => {
    const res = await router.handle(new Request("http://x/notify", { method: secret.toUpperCase() }));
    expect({ status: res.status, allow: res.headers.get("allow") }).toEqual({ status: 405, allow: "POST" });
    expect(await res.text()).not.toContain(secret.toUpperCase());
  });
});

describe("over a real socket", () => {
  let log: ReturnType<typeof createMemoryLogger>;
  let server: Server;
  let handled: Promise<void>;

  beforeEach(async () => {
    log = createMemoryLogger("debug");
    const router = new Router(log).add("POST", "/upload", async (req) => new Response(String((await readBodyLimited(req, 1 << 20)).byteLength)));
    let done = () => {};
    handled = new Promise((resolve) => (done = resolve));
    server = await bunPlatform.serve({
      hostname: "127.0.0.1",
      port: 0,
      handler: (req, info) => router.handle(req, info).finally(done),
    });
  });
  afterEach(() => server.stop());

  const errors = () => log.lines.filter((line) => line.includes(" ERROR "));

  test.each([
    ["HTTP/1.0 without Host", "POST /upload HTTP/1.0\r\nContent-Length: 0\r\n\r\n"],
    ["a port over 65535", "POST /upload HTTP/1.1\r\nHost: x:99999\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"],
  ])("%s is 400 bad_host, logged at debug", async (_name, request) => {
    const answer = parseAnswer(await rawRequest(server.port, request));
    expect(answer).toEqual({ status: 400, body: { error: { code: "bad_host", message: ERRORS.bad_host.message } } });
    await handled;
    expect(errors()).toEqual([]);
    expect(log.lines.some((line) => line.includes("DEBUG request refused code=bad_host"))).toBe(true);
  });

  test("a client hanging up mid-body is logged at debug with the reason, not as an error", async () => {
    await hangUpMidBody(server.port, "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\npartial");
    await handled;
    expect(errors()).toEqual([]);
    const refused = log.lines.filter((line) => line.includes("DEBUG request refused code=body_incomplete"));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toContain("the body ended before it was complete (");
  });
});

describe("metrics", () => {
  test("renders counters, gauges and histograms in Prometheus text format", () => {
    const metrics = new MetricsRegistry();
    metrics.counter("t_total", "Things.").inc({ bot: "main", kind: 'a"b' }, 2);
    metrics.gauge("t_up", "Up.").collect(() => [[undefined, 1]]);
    metrics.histogram("t_seconds", "Latency.", [0.1, 1]).observe(0.5, { method: "sendMessage" });
    expect(metrics.render()).toBe(
      [
        "# HELP t_total Things.",
        "# TYPE t_total counter",
        't_total{bot="main",kind="a\\"b"} 2',
        "# HELP t_up Up.",
        "# TYPE t_up gauge",
        "t_up 1",
        "# HELP t_seconds Latency.",
        "# TYPE t_seconds histogram",
        't_seconds_bucket{method="sendMessage",le="0.1"} 0',
        't_seconds_bucket{method="sendMessage",le="1"} 1',
        't_seconds_bucket{method="sendMessage",le="+Inf"} 1',
        't_seconds_sum{method="sendMessage"} 0.5',
        't_seconds_count{method="sendMessage"} 1',
        "",
      ].join("\n"),
    );
  });
});

describe("/healthz", () => {
  test("secrets that reach a health section are redacted", async () => {
    const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    const config = load(`bots:\n  main: { token: "${token}" }\n`);
    const gateway = createGateway({ platform: bunPlatform, log: createMemoryLogger(), clock: systemClock, env: {} }, config, async () => config);
    gateway.health.add("leaky", () => ({ healthy: false, details: { last_error: `GET https://api.telegram.org/bot${token}/getMe failed` } }));
    const res = await gateway.router.handle(new Request("http://x/healthz"));
    const text = await res.text();
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(text).not.toContain(token);
    expect(JSON.parse(text)).toMatchObject({ status: "degraded", leaky: { last_error: "GET https://api.telegram.org/bot***/getMe failed" } });
  });
});
