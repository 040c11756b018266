// ntfy publishing through the real HTTP server and the fake Bot API: each parameter as a
// header, an alias and a query parameter, JSON publishing, each way to authenticate (and a
// wrong token in each), a client's allow, ntfy's answer and error shapes, and every
// refusal leaving nothing sent or queued.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { NtfyMessageSchema } from "../../src/http/compat/compat-openapi.ts";
import type { SentMessage } from "../../src/emulator/types.ts";
import { parseAnswer, rawRequest } from "../http/raw-http.ts";
import { CI_TOKEN, ERP_TOKEN, jsonOf, PEOPLE, startNotifyHarness, TOKEN, type NotifyHarness } from "./notify-harness.ts";

let h: NotifyHarness;
beforeAll(async () => {
  h = await startNotifyHarness();
});
afterAll(() => h.close());
beforeEach(() => h.api.emulator.clearSent());

interface Publish {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Sent as "Authorization: Bearer"; null: no Authorization header. */
  token?: string | null;
}

function publish(path: string, { method = "POST", headers = {}, body, token = ERP_TOKEN }: Publish = {}): Promise<Response> {
  const all = { ...headers };
  if (token !== null) all.Authorization ??= `Bearer ${token}`;
  return fetch(h.url + path, { method, headers: all, body });
}

/** The Telegram message to petrov carrying `marker` (each test sends its own text). */
const toPetrov = (marker: string) => h.api.emulator.waitForSent((m) => m.chat_id === PEOPLE.petrov.chat && m.plain_text.includes(marker));

async function delivered(res: Response, marker: string): Promise<SentMessage> {
  expect({ status: res.status, body: await res.clone().text() }).toMatchObject({ status: 200 });
  return toPetrov(marker);
}

async function expectRefused(res: Response, status: number, ntfyCode: number, code: string): Promise<string> {
  const before = (await h.outboxLines()).length;
  const body = await jsonOf(res);
  expect({ status: res.status, body: { code: body.code, http: body.http }, header: res.headers.get("x-tgsignal-error") }).toEqual({ status, body: { code: ntfyCode, http: status }, header: code });
  expect(Object.keys(body)).toEqual(["code", "http", "error"]);
  expect((await h.outboxLines()).length).toBe(before);
  expect(h.api.emulator.sent()).toHaveLength(0);
  return body.error as string;
}

describe("Filename: the body is a file", () => {
  test("curl -T as ntfy's docs show it: a document with the Message as its caption, one upload, status 200 in ntfy's shape", async () => {
    const bytes = new TextEncoder().encode("%PDF-1.7 счёт 1042");
    // Non-ASCII header values are the client's choice of bytes: the query spelling is portable.
    const res = await publish(`/petrov?filename=${encodeURIComponent("счёт 1042.pdf")}&m=${encodeURIComponent("Счёт на согласование")}`, { method: "PUT", body: bytes });
    expect([res.status, (await jsonOf(res)).event]).toEqual([200, "message"]);
    await h.api.emulator.waitForSent((m) => m.chat_id === PEOPLE.petrov.chat);
    const [file] = h.api.emulator.receivedFiles(TOKEN, PEOPLE.petrov.chat);
    expect(file).toMatchObject({ kind: "document", name: "счёт 1042.pdf", size: bytes.length, caption: "Счёт на согласование" });
  });
});

describe("Delay/At/In: scheduled delivery", () => {
  test("each spelling is held in the outbox as scheduled, answered 200 in ntfy's shape at once", async () => {
    const cases: Array<[string, Publish]> = [
      ["/petrov", { headers: { Delay: "30min" }, body: "in half an hour" }],
      ["/petrov?in=2h", { body: "in two hours" }],
      ["/", { body: JSON.stringify({ topic: "petrov", message: "in a day", delay: "1 day" }) }],
    ];
    for (const [path, form] of cases) {
      const res = await publish(path, form);
      const body = await jsonOf(res);
      expect([res.status, body.event]).toEqual([200, "message"]);
      const status = await jsonOf(await fetch(`${h.url}/messages/${res.headers.get("location")?.split("/").pop() ?? body.id}`, { headers: { Authorization: `Bearer ${ERP_TOKEN}` } }));
      expect(status).toMatchObject({ status: "scheduled", recipients: [{ user: "petrov", status: "scheduled" }] });
    }
    expect(h.api.emulator.sent()).toHaveLength(0);
  });
});

describe("POST /{name}: the body is the message", () => {
  test("ntfy's documented example: title, urgent priority, emoji tags", async () => {
    const res = await publish("/petrov", { headers: { Title: "Unauthorized access detected", Priority: "urgent", Tags: "warning,skull" }, body: "Remote access to phils-laptop detected. Act right away." });
    const sent = await delivered(res, "Remote access");
    expect(sent.plain_text).toBe("‼️ ⚠️ 💀 Unauthorized access detected\nRemote access to phils-laptop detected. Act right away.");
    expect(sent.entities[0]).toMatchObject({ type: "bold", offset: 0 });
    expect(sent.disable_notification).toBeUndefined();
  });

  const forms: Array<[string, Publish & { query?: string }, (sent: SentMessage) => void]> = [
    ["Title", { headers: { Title: "T1" } }, (s) => expect(s.plain_text).toStartWith("T1\n")],
    ["X-Title", { headers: { "X-Title": "T2" } }, (s) => expect(s.plain_text).toStartWith("T2\n")],
    ["ti", { headers: { ti: "T3" } }, (s) => expect(s.plain_text).toStartWith("T3\n")],
    ["t", { headers: { t: "T4" } }, (s) => expect(s.plain_text).toStartWith("T4\n")],
    ["?title=", { query: "?title=T5" }, (s) => expect(s.plain_text).toStartWith("T5\n")],
    ["?t=", { query: "?t=T6" }, (s) => expect(s.plain_text).toStartWith("T6\n")],
    ["Priority: low (silent)", { headers: { Priority: "low" } }, (s) => expect(s.disable_notification).toBe(true)],
    ["X-Priority: 1 (silent)", { headers: { "X-Priority": "1" } }, (s) => expect(s.disable_notification).toBe(true)],
    ["prio: high", { headers: { prio: "high" } }, (s) => expect(s.plain_text).toStartWith("❗ ")],
    ["p: 5", { headers: { p: "5" } }, (s) => expect(s.plain_text).toStartWith("‼️ ")],
    ["?p=4", { query: "?p=4" }, (s) => expect(s.plain_text).toStartWith("❗ ")],
    ["?priority=min", { query: "?priority=min" }, (s) => expect(s.disable_notification).toBe(true)],
    ["Tags", { headers: { Tags: "tada,db1" } }, (s) => expect(s.plain_text).toMatch(/^🎉 .*\n\nTags: db1$/s)],
    ["X-Tags", { headers: { "X-Tags": "warning" } }, (s) => expect(s.plain_text).toStartWith("⚠️ ")],
    ["tag", { headers: { tag: "skull" } }, (s) => expect(s.plain_text).toStartWith("💀 ")],
    ["ta", { headers: { ta: "dog" } }, (s) => expect(s.plain_text).toStartWith("🐶 ")],
    ["?tags=", { query: "?tags=backup,nightly" }, (s) => expect(s.plain_text).toEndWith("\n\nTags: backup, nightly")],
    ["?ta=", { query: "?ta=computer" }, (s) => expect(s.plain_text).toStartWith("💻 ")],
    ["Click", { headers: { Click: "https://grafana.local/d/1" } }, (s) => expect(s.reply_markup).toEqual({ inline_keyboard: [[{ text: "🔗 grafana.local", url: "https://grafana.local/d/1" }]] })],
    ["X-Click", { headers: { "X-Click": "https://x.local/" } }, (s) => expect(s.reply_markup?.inline_keyboard[0]![0]).toMatchObject({ url: "https://x.local/" })],
    ["?click=", { query: "?click=https%3A%2F%2Fq.local%2F" }, (s) => expect(s.reply_markup?.inline_keyboard[0]![0]).toMatchObject({ url: "https://q.local/" })],
    ["Markdown: yes", { headers: { Markdown: "yes" }, body: "**bold** md1" }, (s) => expect(s.entities).toContainEqual({ type: "bold", offset: 0, length: 4 })],
    ["X-Markdown: true", { headers: { "X-Markdown": "true" }, body: "**bold** md2" }, (s) => expect(s.entities).toContainEqual({ type: "bold", offset: 0, length: 4 })],
    ["md: 1", { headers: { md: "1" }, body: "**bold** md3" }, (s) => expect(s.entities).toContainEqual({ type: "bold", offset: 0, length: 4 })],
    ["?md=1", { query: "?md=1", body: "**bold** md4" }, (s) => expect(s.entities).toContainEqual({ type: "bold", offset: 0, length: 4 })],
    ["Content-Type: text/markdown", { headers: { "Content-Type": "text/markdown" }, body: "**bold** md5" }, (s) => expect(s.entities).toContainEqual({ type: "bold", offset: 0, length: 4 })],
    ["Actions", { headers: { Actions: "view, Open portal, https://home.nest.com/" } }, (s) => expect(s.reply_markup).toEqual({ inline_keyboard: [[{ text: "Open portal", url: "https://home.nest.com/" }]] })],
    ["X-Actions (JSON)", { headers: { "X-Actions": '[{"action":"view","label":"Docs","url":"https://docs.local/"}]' } }, (s) => expect(s.reply_markup?.inline_keyboard[0]![0]).toMatchObject({ text: "Docs" })],
    ["action", { headers: { action: "view, One, https://1.local/; view, Two, https://2.local/" } }, (s) => expect(s.reply_markup?.inline_keyboard[0]).toHaveLength(2)],
    ["?actions=", { query: "?actions=view%2C%20Q%2C%20https%3A%2F%2Fq.local%2F" }, (s) => expect(s.reply_markup?.inline_keyboard[0]![0]).toMatchObject({ text: "Q" })],
    ["UTF-8 title, RFC 2047 encoded", { headers: { Title: "=?UTF-8?B?0JTQuNGB0Log0L/QvtC70L7QvQ==?=" } }, (s) => expect(s.plain_text).toStartWith("Диск полон\n")],
  ];
  forms.forEach(([name, form, check], index) => {
    test(name, async () => {
      const marker = `form-${index}`;
      const body = form.body === undefined ? `${marker} text` : `${form.body} ${marker}`;
      check(await delivered(await publish(`/petrov${form.query ?? ""}`, { ...form, body }), marker));
    });
  });

  test("a UTF-8 header sent raw, as ntfy accepts it (curl -H \"Title: Диск\")", async () => {
    const body = "raw-utf8 text";
    const request = `POST /petrov HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ERP_TOKEN}\r\nTitle: Диск полон ✓\r\nTags: предупреждение\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
    expect(parseAnswer(await rawRequest(Number(new URL(h.url).port), request))).toMatchObject({ status: 200, body: { title: "Диск полон ✓", tags: ["предупреждение"] } });
    expect((await toPetrov("raw-utf8")).plain_text).toBe("Диск полон ✓\nraw-utf8 text\n\nTags: предупреждение");
  });

  test("PUT works as POST; curl -d's form type is still the message, as in ntfy", async () => {
    await delivered(await publish("/petrov", { method: "PUT", body: "put-1" }), "put-1");
    const sent = await delivered(await publish("/petrov", { headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "disk=full put-2" }), "put-2");
    expect(sent.plain_text).toBe("disk=full put-2");
  });

  test("no body: the Message parameter (with its \\n escapes), else ntfy's \"triggered\"", async () => {
    const sent = await delivered(await publish("/petrov?m=line+1%5Cnmsg-param"), "msg-param");
    expect(sent.plain_text).toBe("line 1\nmsg-param");
    expect((await publish("/sidorov")).status).toBe(200);
    const triggered = await h.api.emulator.waitForSent((m) => m.chat_id === PEOPLE.sidorov.chat);
    expect(triggered.plain_text).toBe("triggered");
  });

  test("several recipients as a,b; a group", async () => {
    const res = await publish("/petrov,sidorov", { body: "two-of-them" });
    await delivered(res, "two-of-them");
    await h.api.emulator.waitForSent((m) => m.chat_id === PEOPLE.sidorov.chat && m.plain_text === "two-of-them");
  });

  test("Email, Call and Icon are ignored with a warning header; the message still goes", async () => {
    const res = await publish("/petrov", { headers: { Email: "phil@example.com", Icon: "https://x.local/i.png" }, body: "warned" });
    expect(res.headers.get("x-tgsignal-warning")).toBe("Email ignored: tgsignal delivers to Telegram only; Icon ignored: a Telegram message has no notification icon");
    await delivered(res, "warned");
  });

  test("?template=grafana renders Grafana's webhook, as ntfy's built-in template does", async () => {
    const payload = { status: "firing", title: "[FIRING:1] DiskFull", alerts: [{ status: "firing", labels: { alertname: "DiskFull", instance: "db1" }, annotations: { summary: "grafana-tpl disk 91%" } }] };
    const sent = await delivered(await publish("/petrov?template=grafana", { body: JSON.stringify(payload) }), "grafana-tpl");
    expect(sent.plain_text).toContain("DiskFull");
  });
});

describe("POST / with JSON", () => {
  test("ntfy's documented JSON example, with actions", async () => {
    const body = { topic: "petrov", message: "json-1 Disk space is low at 5.1 GB", title: "Low disk space alert", tags: ["warning", "cd"], priority: 4, click: "https://homecamera.lan/xasds1h2xsSsa/", actions: [{ action: "view", label: "Admin panel", url: "https://filesrv.lan/admin" }] };
    const sent = await delivered(await publish("/", { body: JSON.stringify(body) }), "json-1");
    expect(sent.plain_text).toBe("❗ ⚠️ 💿 Low disk space alert\njson-1 Disk space is low at 5.1 GB");
    expect(sent.reply_markup?.inline_keyboard).toEqual([[{ text: "Admin panel", url: "https://filesrv.lan/admin" }], [{ text: "🔗 homecamera.lan", url: "https://homecamera.lan/xasds1h2xsSsa/" }]]);
  });

  test("headers the JSON does not set still count (apprise sends X-Priority and X-Tags beside its JSON); the JSON wins", async () => {
    const sent = await delivered(await publish("/", { method: "PUT", headers: { "X-Priority": "1", "X-Tags": "tada", "X-Title": "header title" }, body: JSON.stringify({ topic: "petrov", title: "json title", message: "json-2" }) }), "json-2");
    expect(sent.plain_text).toBe("🎉 json title\njson-2");
    expect(sent.disable_notification).toBe(true);
  });

  test("markdown, and priority given by name", async () => {
    const sent = await delivered(await publish("/", { body: JSON.stringify({ topic: "petrov", message: "**json-3**", markdown: true, priority: "max" }) }), "json-3");
    expect(sent.plain_text).toBe("‼️ json-3");
    expect(sent.entities).toContainEqual({ type: "bold", offset: 3, length: 6 });
  });
});

describe("auth", () => {
  const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
  const authParam = (header: string) => Buffer.from(header).toString("base64url");

  const ways: Array<[string, (token: string) => { path: string; headers: Record<string, string> }]> = [
    ["Bearer", (token) => ({ path: "/petrov", headers: { Authorization: `Bearer ${token}` } })],
    ["Basic with the token as password, any user", (token) => ({ path: "/petrov", headers: { Authorization: basic("anyone", token) } })],
    ["Basic with no user name", (token) => ({ path: "/petrov", headers: { Authorization: basic("", token) } })],
    ["?auth= of a Bearer header", (token) => ({ path: `/petrov?auth=${authParam(`Bearer ${token}`)}`, headers: {} })],
    ["?auth= of a Basic header", (token) => ({ path: `/petrov?auth=${authParam(basic("phil", token))}`, headers: {} })],
  ];
  ways.forEach(([name, way], index) => {
    test(`${name}; a wrong token that way is 401 in ntfy's shape`, async () => {
      const good = way(ERP_TOKEN);
      await delivered(await publish(good.path, { headers: good.headers, token: null, body: `auth-${index}` }), `auth-${index}`);
      h.api.emulator.clearSent();
      const bad = way("erp-token-0123456789abcdeX");
      const message = await expectRefused(await publish(bad.path, { headers: bad.headers, token: null, body: "x" }), 401, 40101, "unauthorized");
      expect(message).toBe("unknown token; check the client token in the config");
    });
  });

  test("?auth= wins over the Authorization header, as in ntfy", async () => {
    await expectRefused(await publish(`/petrov?auth=${authParam("Bearer wrong-token-0123456789")}`, { body: "x" }), 401, 40101, "unauthorized");
  });

  test("no credentials: 401 naming every way to send them", async () => {
    const message = await expectRefused(await publish("/petrov", { token: null, body: "x" }), 401, 40101, "unauthorized");
    expect(message).toContain("Basic auth with the client token as the password");
    expect(message).toContain("?auth=");
  });

  test("a client's allow holds: outside it 403 (ntfy 40301), by path and by JSON topic", async () => {
    await expectRefused(await publish("/sidorov", { token: CI_TOKEN, body: "x" }), 403, 40301, "forbidden_recipient");
    await expectRefused(await publish("/", { token: CI_TOKEN, body: JSON.stringify({ topic: "sidorov", message: "x" }) }), 403, 40301, "forbidden_recipient");
    await delivered(await publish("/ops", { token: CI_TOKEN, body: "allowed-ops" }), "allowed-ops");
    // ops is ivanov too, with a key on each bot: all three sends are done before the next test.
    for (const bot of ["signal_bot", "other_bot"]) await h.api.emulator.waitForSent((m) => m.chat_id === PEOPLE.ivanov.chat && m.bot_username === bot && m.plain_text === "allowed-ops");
  });
});

describe("refusals: a clear 4xx in ntfy's shape, nothing sent or queued", () => {
  const cases: Array<[string, string, Publish, number, number, string, string]> = [
    ["a priority ntfy does not have", "/petrov", { headers: { Priority: "6" }, body: "x" }, 400, 40007, "bad_priority", 'priority: "6" is not an ntfy priority'],
    ["an http action", "/petrov", { headers: { Actions: "http, Open door, https://door.local/, method=PUT" }, body: "x" }, 400, 40018, "bad_actions", 'action 1 is "http"'],
    ["a click that is no web link", "/petrov", { headers: { Click: "mailto:phil@example.com" }, body: "x" }, 400, 40018, "bad_buttons", "Click:"],
    ["At in natural language", "/petrov", { headers: { At: "tomorrow, 10am" }, body: "x" }, 400, 40004, "bad_at", "at:"],
    ["?in= past 30 days", "/petrov?in=31d", { body: "x" }, 400, 40004, "bad_delay", "delay"],
    ["Attach (a file by URL)", "/petrov", { headers: { Attach: "https://x.local/f.jpg" }, body: "x" }, 400, 40000, "unsupported_feature", "Attach: tgsignal does not fetch files by URL"],
    ["Filename with an empty body", "/petrov", { method: "PUT", headers: { Filename: "report.pdf" } }, 400, 40000, "bad_attachments", "the body is empty"],
    ["Filename with a bad priority: refused before the upload", "/petrov", { method: "PUT", headers: { Filename: "report.pdf", Priority: "9" }, body: "%PDF-1.7" }, 400, 40007, "bad_priority", "not an ntfy priority"],
    ["a body that is not UTF-8 (ntfy's attachment)", "/petrov", { body: new Uint8Array([0xff, 0xfe, 0x00]) }, 400, 40000, "unsupported_feature", "not UTF-8 text"],
    ["an unknown name", "/nobody", { body: "x" }, 400, 40009, "unknown_recipient", 'unknown recipient "nobody"'],
    ["JSON that is not JSON", "/", { body: "{nope" }, 400, 40024, "bad_json", "the body is not valid JSON"],
    ["JSON without a topic", "/", { body: JSON.stringify({ message: "x" }) }, 400, 40009, "missing_recipient", 'the JSON needs "topic"'],
    ["JSON tags that are not a list of strings", "/", { body: JSON.stringify({ topic: "petrov", tags: [1] }) }, 400, 40000, "bad_field", "tags: expected a list of strings"],
    ["an unknown template", "/petrov?template=github", { body: "{}" }, 400, 40000, "bad_template", 'template: "github" is not one tgsignal renders'],
  ];
  for (const [name, path, form, status, ntfyCode, code, message] of cases) {
    test(name, async () => {
      expect(await expectRefused(await publish(path, form), status, ntfyCode, code)).toContain(message);
    });
  }
});

describe("routes", () => {
  test("the gateway's own routes keep their answers: POST /healthz 405, GET /nope 404, GET /petrov 404", async () => {
    expect((await publish("/healthz", { body: "x" })).status).toBe(405);
    expect((await fetch(h.url + "/nope")).status).toBe(404);
    expect((await fetch(h.url + "/petrov")).status).toBe(404);
    const root = await fetch(h.url + "/");
    expect({ status: root.status, allow: root.headers.get("allow") }).toEqual({ status: 405, allow: "POST, PUT" });
    expect(h.api.emulator.sent()).toHaveLength(0);
  });
});

describe("the answer", () => {
  // docs.ntfy.sh (subscribe API, "JSON message format"): a message as ntfy's server answers a publish.
  const documented = { id: "sPs71M8A2T", time: 1643935928, expires: 1643936928, event: "message", topic: "mytopic", priority: 5, tags: ["warning", "skull"], click: "https://homecamera.lan/xasds1h2xsSsa/", message: "Remote access to phils-laptop detected. Act right away.", title: "Unauthorized access detected" };
  const typesOf = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).map(([key, field]) => [key, Array.isArray(field) ? "array" : typeof field]));

  test("has ntfy's fields and types for the same message, and its id is the notification's", async () => {
    const res = await publish("/petrov", { headers: { Title: documented.title, Priority: "5", Tags: "warning,skull", Click: documented.click }, body: documented.message });
    const answer = await jsonOf(res);
    expect(typesOf(answer)).toEqual(typesOf(documented));
    expect(Value.Check(NtfyMessageSchema, answer)).toBe(true);
    expect(answer).toMatchObject({ event: "message", topic: "petrov", priority: 5, tags: ["warning", "skull"], click: documented.click, message: documented.message, title: documented.title });
    expect(answer.expires - answer.time).toBe(86_400);
    expect(res.headers.get("location")).toBe(`/messages/${answer.id}`);
    await toPetrov("Remote access");
    const status = await jsonOf(await fetch(`${h.url}/messages/${answer.id}?wait=5`, { headers: { Authorization: `Bearer ${ERP_TOKEN}` } }));
    expect(status).toMatchObject({ id: answer.id, status: "delivered" });
  });

  test("answers as soon as the message is durably queued, before Telegram has it", async () => {
    h.api.emulator.setOutage(TOKEN, { status: 503 });
    const res = await publish("/", { body: JSON.stringify({ topic: "petrov", message: "queued-first", markdown: true, actions: [{ action: "view", label: "A", url: "https://a.local/" }] }) });
    const answer = await jsonOf(res);
    expect(res.status).toBe(200);
    expect(Value.Check(NtfyMessageSchema, answer)).toBe(true);
    expect(answer).toMatchObject({ content_type: "text/markdown", actions: [{ action: "view", label: "A", url: "https://a.local/", clear: false }] });
    expect((await h.outboxLines()).some((line) => line.includes(answer.id))).toBe(true);
    h.api.emulator.setOutage(TOKEN, null);
    await toPetrov("queued-first");
  });
});
