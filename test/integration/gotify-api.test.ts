// Gotify's POST /message through the real HTTP server and the fake Bot API: JSON and form
// bodies, each way to pass the token (and a wrong token in each), recipients from
// clients.<id>.to, priorities, markdown and click extras, Gotify's answer and error shapes.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { GotifyMessageSchema } from "../../src/http/compat/compat-openapi.ts";
import type { SentMessage } from "../../src/emulator/types.ts";
import { ERP_TOKEN, jsonOf, PEOPLE, startNotifyHarness, type NotifyHarness } from "./notify-harness.ts";

const MONITOR = "monitor-token-0123456789"; // to: [petrov]
const KUMA = "kuma-token-0123456789abc"; // allow: [ops], to: [sidorov]

let h: NotifyHarness;
beforeAll(async () => {
  h = await startNotifyHarness({
    clients: ["  monitor:", `    token: ${MONITOR}`, "    to: [petrov]", "  kuma:", `    token: ${KUMA}`, "    allow: [ops]", "    to: [sidorov]"].join("\n"),
  });
});
afterAll(() => h.close());
beforeEach(() => h.api.emulator.clearSent());

function post(path: string, body: string | FormData | URLSearchParams | undefined, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(h.url + path, { method: "POST", headers, body });
}

const json = (value: unknown, headers: Record<string, string> = {}) => ({ body: JSON.stringify(value), headers: { "Content-Type": "application/json", ...headers } });

async function delivered(res: Response, marker: string): Promise<SentMessage> {
  expect({ status: res.status, body: await res.clone().text() }).toMatchObject({ status: 200 });
  return h.api.emulator.waitForSent((m) => m.chat_id === PEOPLE.petrov.chat && m.plain_text.includes(marker));
}

async function expectRefused(res: Response, status: number, code: string): Promise<string> {
  const before = (await h.outboxLines()).length;
  const body = await jsonOf(res);
  const text: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden" };
  expect({ status: res.status, error: body.error, errorCode: body.errorCode, header: res.headers.get("x-tgsignal-error") }).toEqual({ status, error: text[status], errorCode: status, header: code });
  expect(Object.keys(body)).toEqual(["error", "errorCode", "errorDescription"]);
  expect((await h.outboxLines()).length).toBe(before);
  expect(h.api.emulator.sent()).toHaveLength(0);
  return body.errorDescription as string;
}

describe("bodies", () => {
  test("JSON with title, message and priority goes to the client's `to`", async () => {
    const { body, headers } = json({ title: "Backup", message: "json-1 Backup was successfully finished.", priority: 5 }, { "X-Gotify-Key": MONITOR });
    const sent = await delivered(await post("/message", body, headers), "json-1");
    expect(sent.plain_text).toBe("Backup\njson-1 Backup was successfully finished.");
    expect(sent.disable_notification).toBeUndefined();
  });

  test("a form, urlencoded (curl -F's sibling -d) and multipart (curl -F), as Gotify's docs send it", async () => {
    const urlencoded = new URLSearchParams({ title: "Form", message: "form-1", priority: "5" });
    expect((await delivered(await post(`/message?token=${MONITOR}`, urlencoded), "form-1")).plain_text).toBe("Form\nform-1");
    const multipart = new FormData();
    multipart.set("title", "Multipart");
    multipart.set("message", "form-2");
    expect((await delivered(await post(`/message?token=${MONITOR}`, multipart), "form-2")).plain_text).toBe("Multipart\nform-2");
  });

  test("the fields in the query string of an empty POST, as Gotify's form binding reads them", async () => {
    await delivered(await post(`/message?token=${MONITOR}&message=query-1&title=Q`, undefined), "query-1");
  });

  test("an untitled message gets the client's id as its title, as Gotify gives it the application's name", async () => {
    const { body, headers } = json({ message: "untitled-1" }, { "X-Gotify-Key": MONITOR });
    expect((await delivered(await post("/message", body, headers), "untitled-1")).plain_text).toBe("monitor\nuntitled-1");
  });

  test("a JSON body without Content-Type is still JSON (some senders leave it out)", async () => {
    await delivered(await post("/message", JSON.stringify({ message: "no-type-1" }), { "X-Gotify-Key": MONITOR }), "no-type-1");
  });
});

describe("priority and extras", () => {
  const cases: Array<[string, Record<string, unknown>, (sent: SentMessage) => void]> = [
    ["0 is silent", { priority: 0 }, (s) => expect(s.disable_notification).toBe(true)],
    ["1–7 are plain", { priority: 7 }, (s) => expect(s.plain_text).toStartWith("T\n")],
    ["no priority is Gotify's normal (5)", {}, (s) => expect(s.disable_notification).toBeUndefined()],
    ["8 is urgent: ❗", { priority: 8 }, (s) => expect(s.plain_text).toStartWith("❗ T\n")],
    ["10 is most urgent: ‼️", { priority: 10 }, (s) => expect(s.plain_text).toStartWith("‼️ T\n")],
    ["a priority sent as a string", { priority: "8" }, (s) => expect(s.plain_text).toStartWith("❗ T\n")],
    [
      'extras["client::display"].contentType text/markdown is markdown',
      { message: "**bold** marker", extras: { "client::display": { contentType: "text/markdown" } } },
      (s) => expect(s.entities).toContainEqual({ type: "bold", offset: 2, length: 4 }),
    ],
    ["without it, markdown is shown as written", { message: "**plain** marker" }, (s) => expect(s.plain_text).toBe("T\n**plain** marker prio-7")],
    [
      'extras["client::notification"].click.url becomes a link button',
      { extras: { "client::notification": { click: { url: "https://proxmox.local:8006/" } } } },
      (s) => expect(s.reply_markup).toEqual({ inline_keyboard: [[{ text: "🔗 proxmox.local", url: "https://proxmox.local:8006/" }]] }),
    ],
  ];
  cases.forEach(([name, fields, check], index) => {
    test(name, async () => {
      const marker = `prio-${index}`;
      const message = typeof fields.message === "string" ? `${fields.message} ${marker}` : marker;
      const { body, headers } = json({ title: "T", ...fields, message }, { "X-Gotify-Key": MONITOR });
      check(await delivered(await post("/message", body, headers), marker));
    });
  });
});

describe("auth", () => {
  const ways: Array<[string, (token: string) => { path: string; headers: Record<string, string> }]> = [
    ["?token=", (token) => ({ path: `/message?token=${token}`, headers: {} })],
    ["X-Gotify-Key", (token) => ({ path: "/message", headers: { "X-Gotify-Key": token } })],
    ["Authorization: Bearer", (token) => ({ path: "/message", headers: { Authorization: `Bearer ${token}` } })],
  ];
  ways.forEach(([name, way], index) => {
    test(`${name}; a wrong token that way is 401 in Gotify's shape`, async () => {
      const good = way(MONITOR);
      const { body, headers } = json({ message: `auth-${index}` }, good.headers);
      await delivered(await post(good.path, body, headers), `auth-${index}`);
      h.api.emulator.clearSent();
      const bad = way("monitor-token-012345678X");
      const message = await expectRefused(await post(bad.path, body, { ...headers, ...bad.headers }), 401, "unauthorized");
      expect(message).toBe("unknown token; check the client token in the config");
    });
  });

  test("no token: 401 naming the three ways", async () => {
    const { body, headers } = json({ message: "x" });
    expect(await expectRefused(await post("/message", body, headers), 401, "unauthorized")).toContain("?token=, \"X-Gotify-Key: <client token>\" or \"Authorization: Bearer <client token>\"");
  });

  test("a client without `to` is refused (403) with the fix, nothing queued", async () => {
    const { body, headers } = json({ message: "x" }, { "X-Gotify-Key": ERP_TOKEN });
    expect(await expectRefused(await post("/message", body, headers), 403, "no_recipients")).toBe(
      'a Gotify message names no recipient and client "erp" has no "to" in the config; add clients.<id>.to: [users or groups its messages go to]',
    );
  });

  test("a client's allow holds: `to` outside it is 403", async () => {
    const { body, headers } = json({ message: "x" }, { "X-Gotify-Key": KUMA });
    expect(await expectRefused(await post("/message", body, headers), 403, "forbidden_recipient")).toContain('client "kuma" may not notify "sidorov"');
  });
});

describe("refusals: a clear 4xx in Gotify's shape, nothing sent or queued", () => {
  const cases: Array<[string, string | undefined, Record<string, string>, number, string, string]> = [
    ["no message", JSON.stringify({ title: "x" }), { "Content-Type": "application/json" }, 400, "empty_text", 'Gotify\'s "message" is required'],
    ["a blank message", JSON.stringify({ message: "  " }), { "Content-Type": "application/json" }, 400, "empty_text", "required"],
    ["a priority that is not a whole number", JSON.stringify({ message: "x", priority: "high" }), { "Content-Type": "application/json" }, 400, "bad_priority", 'priority: expected a whole number (0 silent, 8 and above urgent), got "high"'],
    ["extras that are not an object", JSON.stringify({ message: "x", extras: [1] }), { "Content-Type": "application/json" }, 400, "bad_field", "extras: expected an object"],
    ["a click url that is no web link", JSON.stringify({ message: "x", extras: { "client::notification": { click: { url: "ftp://x" } } } }), { "Content-Type": "application/json" }, 400, "bad_buttons", "is not an http:// or https:// URL"],
    ["broken JSON", "{", { "Content-Type": "application/json" }, 400, "bad_json", "not valid JSON"],
    ["a title over 256 characters", JSON.stringify({ message: "x", title: "t".repeat(257) }), { "Content-Type": "application/json" }, 400, "bad_title", "title: must be at most 256 characters"],
  ];
  for (const [name, body, headers, status, code, message] of cases) {
    test(name, async () => {
      expect(await expectRefused(await post("/message", body, { ...headers, "X-Gotify-Key": MONITOR }), status, code)).toContain(message);
    });
  }
});

describe("the answer", () => {
  // gotify.net/api-docs, createMessage: the Message model's example.
  const documented = { id: 25, appid: 5, message: "**Backup** was successfully finished.", title: "Backup", priority: 2, extras: { "home::appliances::lighting::on": { brightness: 15 } }, date: "2018-02-27T19:36:10.5045044+01:00" };
  const typesOf = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).map(([key, field]) => [key, typeof field]));

  test("has Gotify's fields and types; the extras come back, with the notification's id beside them", async () => {
    const { body, headers } = json({ message: documented.message + " answer-1", title: documented.title, priority: documented.priority, extras: documented.extras }, { "X-Gotify-Key": MONITOR });
    const res = await post("/message", body, headers);
    const answer = await jsonOf(res);
    expect(typesOf(answer)).toEqual(typesOf(documented));
    expect(Value.Check(GotifyMessageSchema, answer)).toBe(true);
    expect(answer).toMatchObject({ appid: 3, title: "Backup", priority: 2, message: documented.message + " answer-1" });
    expect(Number.isSafeInteger(answer.id) && answer.id > 0).toBe(true);
    expect(Number.isNaN(Date.parse(answer.date))).toBe(false);
    const id = answer.extras["tgsignal::notification"].id as string;
    expect(answer.extras).toEqual({ ...documented.extras, "tgsignal::notification": { id, status: `/messages/${id}` } });
    expect(res.headers.get("location")).toBe(`/messages/${id}`);
    await h.api.emulator.waitForSent((m) => m.chat_id === PEOPLE.petrov.chat && m.plain_text.includes("answer-1"));
    const status = await jsonOf(await fetch(`${h.url}/messages/${id}?wait=5`, { headers: { Authorization: `Bearer ${MONITOR}` } }));
    expect(status).toMatchObject({ id, status: "delivered" });
  });

  test("GET /message (Gotify's list) is not served: 405", async () => {
    const res = await fetch(`${h.url}/message?token=${MONITOR}`);
    expect({ status: res.status, allow: res.headers.get("allow") }).toEqual({ status: 405, allow: "POST" });
  });
});
