import { afterEach, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { eventBody, postEvent, showWebhookUrl, signBody, type FetchLike, type PostOptions } from "../../src/events/webhook-post.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { ScriptedInbox } from "../fakes/scripted-inbox.ts";
import { startReceiver, type Receiver } from "./webhook-receiver.ts";

const SECRET = "webhook-secret-0123456789";
let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const options = (overrides: Partial<PostOptions> = {}): PostOptions => ({
  fetch: (url, init) => fetch(url, init),
  clock: systemClock,
  deadlineMs: 5000,
  signal: new AbortController().signal,
  ...overrides,
});

const event = () => new ScriptedInbox(1042).add("ivanov", "Где счёт 1042? «кавычки» \u2028 и эмодзи 👌");

test("POSTs exactly the event JSON, signed: the receiver's HMAC of the raw body matches", async () => {
  receiver = startReceiver(SECRET);
  const sent = event();
  const outcome = await postEvent({ url: receiver.url, secret: SECRET }, sent.id, eventBody(sent), options());
  expect(outcome).toEqual({ ok: true, status: 200 });
  const [got] = receiver.received;
  expect(got!.signatureOk).toBe(true);
  expect(got!.eventId).toBe("1042");
  expect(got!.body).toBe(JSON.stringify(sent));
  expect(JSON.parse(got!.body)).toEqual(sent);
  expect(got!.headers.get("content-type")).toBe("application/json");
  expect(got!.headers.get("user-agent")).toMatch(/^tgsignal\//);
  expect(got!.headers.get("authorization")).toBeNull();
  // A Content-Length, not chunked: receivers that read exactly that many bytes (the docs' Python example) work.
  expect(got!.headers.get("content-length")).toBe(String(eventBody(sent).byteLength));
});

test("the signature is sha256= and the hex HMAC-SHA256 of the bytes with the secret", () => {
  const body = new TextEncoder().encode('{"id":"1"}');
  expect(signBody(body, "s3cret-s3cret")).toBe(`sha256=${createHmac("sha256", "s3cret-s3cret").update(body).digest("hex")}`);
  expect(signBody(body, "s3cret-s3cret")).toMatch(/^sha256=[0-9a-f]{64}$/);
  // Another secret, another signature: the receiver can tell.
  expect(signBody(body, "other-secret")).not.toBe(signBody(body, "s3cret-s3cret"));
});

test("credentials in the URL go as HTTP Basic auth, not in the request line; the query is kept", async () => {
  receiver = startReceiver(SECRET);
  const url = receiver.url.replace("http://", "http://erp%40corp:p%C3%A4ss@") + "?key=shared-secret";
  const sent = event();
  expect((await postEvent({ url, secret: SECRET }, sent.id, eventBody(sent), options())).ok).toBe(true);
  const [got] = receiver.received;
  expect(got!.headers.get("authorization")).toBe(`Basic ${Buffer.from("erp@corp:päss").toString("base64")}`);
  expect(new URL(got!.url).search).toBe("?key=shared-secret");
});

test("2xx of any kind acknowledges; 4xx and 5xx are failures with the status and the start of the answer", async () => {
  receiver = startReceiver(SECRET);
  const statuses = [204, 202, 404, 500];
  receiver.answer = (_, index) => new Response(index === 3 ? `<html>\n<b>1C:</b> ошибка   модуля ${"x".repeat(500)}` : null, { status: statuses[index] });
  const sent = event();
  const outcomes = [];
  for (let i = 0; i < statuses.length; i++) outcomes.push(await postEvent({ url: receiver.url, secret: SECRET }, sent.id, eventBody(sent), options()));
  expect(outcomes[0]).toEqual({ ok: true, status: 204 });
  expect(outcomes[1]).toEqual({ ok: true, status: 202 });
  expect(outcomes[2]).toMatchObject({ ok: false, reason: "http_4xx", status: 404, message: "HTTP 404 Not Found" });
  expect(outcomes[3]).toMatchObject({ ok: false, reason: "http_5xx", status: 500 });
  const message = (outcomes[3] as { message: string }).message;
  expect(message.startsWith("HTTP 500 Internal Server Error: <html> <b>1C:</b> ошибка модуля xxx")).toBe(true);
  expect(message.length).toBeLessThan(260);
});

test("a redirect is not followed: a failure that names where it pointed, without its secrets", async () => {
  receiver = startReceiver(SECRET);
  const other = startReceiver(SECRET);
  try {
    receiver.answer = () => new Response(null, { status: 307, headers: { Location: other.url.replace("http://", "http://u:pw@") + "?token=abc" } });
    const sent = event();
    const outcome = await postEvent({ url: receiver.url, secret: SECRET }, sent.id, eventBody(sent), options());
    expect(outcome).toMatchObject({ ok: false, reason: "redirect", status: 307 });
    const message = (outcome as { message: string }).message;
    expect(message).toContain("not followed");
    expect(message).toContain(`${other.url.replace("http://", "http://***@")}?token=***`);
    expect(message).not.toContain("pw");
    expect(other.received).toHaveLength(0);
  } finally {
    await other.close();
  }
});

test("a receiver that does not answer in time: the request is aborted at the deadline (fake clock)", async () => {
  const clock = new FakeClock();
  let aborted = false;
  const hanging: FetchLike = (_url, init) =>
    new Promise((_, reject) => init.signal!.addEventListener("abort", () => ((aborted = true), reject(init.signal!.reason))));
  const sent = event();
  const pending = postEvent({ url: "http://127.0.0.1:9/hook", secret: SECRET }, sent.id, eventBody(sent), options({ fetch: hanging, clock, deadlineMs: 10_000 }));
  await clock.advance(9_999);
  expect(aborted).toBe(false);
  await clock.advance(1);
  expect(await pending).toEqual({ ok: false, reason: "timeout", status: null, message: "no answer within 10 s; the request was aborted" });
  expect(aborted).toBe(true);
  expect(clock.pending).toBe(0);
});

test("network errors name no credentials and no query values, even when the runtime quotes the URL", async () => {
  const url = "https://erp:hunter2-password@erp.example/hs/tg?key=shared-secret-value";
  const quoting: FetchLike = async (target) => {
    throw new TypeError(`error sending request for url (${target}): connection refused; original ${url}`);
  };
  const sent = event();
  const outcome = await postEvent({ url, secret: SECRET }, sent.id, eventBody(sent), options({ fetch: quoting }));
  expect(outcome).toMatchObject({ ok: false, reason: "network", status: null });
  const message = (outcome as { message: string }).message;
  expect(message).toContain("https://***@erp.example/hs/tg?key=***");
  expect(message).not.toContain("hunter2");
  expect(message).not.toContain("shared-secret-value");
});

test("an unreachable receiver (nothing listens) is a network failure", async () => {
  receiver = startReceiver(SECRET);
  const url = receiver.url;
  await receiver.close();
  receiver = undefined;
  const sent = event();
  expect(await postEvent({ url, secret: SECRET }, sent.id, eventBody(sent), options())).toMatchObject({ ok: false, reason: "network" });
});

test("showWebhookUrl masks credentials and query values, keeps names, path and fragment", () => {
  expect(showWebhookUrl("https://erp.local/hs/tgsignal/events")).toBe("https://erp.local/hs/tgsignal/events");
  expect(showWebhookUrl("https://u:p@erp.local/hs?key=abc&flag&b=2#frag")).toBe("https://***@erp.local/hs?key=***&flag&b=***#frag");
});
