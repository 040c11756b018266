// The two-way loop of DESIGN "Interactive notifications" through `tgsignal serve` (a child
// process with its real HTTP server) and the fake Bot API: an ERP sends a decision with
// buttons, the person presses one, the ERP's long poll takes the button event, and the
// ERP edits the message to show the outcome. Then who may see it: a client whose `allow`
// leaves the person out never gets their event, pulled or pushed, nor its file, nor may
// it answer it.
import { afterEach, expect, test } from "bun:test";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startReceiver, type Receiver } from "../events/webhook-receiver.ts";
import { timeScaleEnv } from "./boot-gateway.ts";
import { configYaml, createHarness, TOKEN, type Harness } from "./inbound-harness.ts";
import { startServe, type ServeProcess } from "./serve-process.ts";

let harness: Harness | undefined;
let serve: ServeProcess | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  if (serve && serve.proc.exitCode === null) await serve.kill("SIGKILL");
  serve = undefined;
  await receiver?.close();
  receiver = undefined;
  await harness?.close();
  harness = undefined;
});

const ERP = "erp-token-0123456789abcdef";
const OPS = "ops-token-0123456789abcdef";
const OPS_SECRET = "ops-webhook-secret-0123456789";
const IVAN = { id: 5001, first_name: "Иван", username: "ivan", language_code: "ru" };
const PETR = { id: 5002, first_name: "Пётр", language_code: "ru" };
type Person = typeof IVAN | typeof PETR;

/** `tgsignal serve` with ivanov and petrov connected (keys.log written before start) and these clients. */
async function startGateway(clients: string): Promise<{ h: Harness; url: string }> {
  const h = (harness = await createHarness());
  const issued = (key: string, chat: number) =>
    JSON.stringify({ type: "issued", key, bot: "main", chat_id: chat, chat_type: "private", username: null, name: "x", at: "2026-11-25T09:00:00.000Z" });
  await mkdir(join(h.dir, "data"), { recursive: true });
  await writeFile(join(h.dir, "data", "keys.log"), `${issued("48213977", IVAN.id)}\n${issued("51928374", PETR.id)}\n`);
  const yaml = configYaml(h.api.url, [{ id: "main", token: TOKEN }], "users:\n  ivanov: 48213977\n  petrov: 51928374\n");
  await writeFile(h.configFile, yaml.replace("bots:", `clients:\n${clients}\nbots:`));
  for (const person of [IVAN, PETR]) h.api.emulator.addChat(TOKEN, { id: person.id, type: "private", first_name: person.first_name });
  serve = await startServe(h.configFile, { env: timeScaleEnv() });
  return { h, url: serve.url };
}

function request(url: string, token: string, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

interface EventJson {
  id: string;
  type: string;
  user: string;
  text: string | null;
  data?: string;
  button?: string;
  notification?: string;
  message_id: number;
  files: Array<{ url: string }>;
}

const eventsOf = async (res: Response): Promise<EventJson[]> => {
  expect(res.status).toBe(200);
  return ((await res.json()) as { events: EventJson[] }).events;
};

/** Resolves once `count` GET /events requests are long-polling (the gateway's own gauge). */
async function waiting(url: string, count: number): Promise<void> {
  const line = `tgsignal_events_waiters ${count}`;
  for (let i = 0; i < 400; i++) {
    if ((await (await fetch(`${url}/metrics`)).text()).split("\n").includes(line)) return;
    await Bun.sleep(10);
  }
  throw new Error(`no ${line} on /metrics`);
}

/** The person writes; resolves once the gateway has recorded it (the 👌 comes after the event is on disk). */
async function writes(h: Harness, from: Person, text: string): Promise<number> {
  const message = h.api.emulator.userWrites({ token: TOKEN, from, text }).message!;
  await h.api.emulator.waitForMessage(TOKEN, from.id, message.message_id, (shown) => shown.reactions.length > 0);
  return message.message_id;
}

const PENDING = Symbol("pending");
const stillPending = (promise: Promise<unknown>) => Promise.race([promise, Bun.sleep(0).then(() => PENDING)]).then((value) => value === PENDING);

test("notify with buttons → press → GET /events long poll takes the button event → PATCH to «✅ Согласовано» without buttons → the chat shows it", async () => {
  const { h, url } = await startGateway(`  erp:\n    token: ${ERP}\n    receive: true`);
  const notified = await request(url, ERP, "POST", "/notify", {
    to: "ivanov",
    text: "Счёт 1042 на 15 000 ₽ ждёт согласования",
    buttons: [
      { text: "Согласовать", data: "approve:1042" },
      { text: "Отклонить", data: "reject:1042" },
    ],
  });
  const { id, recipients } = (await notified.json()) as { id: string; recipients: Array<{ message_ids: number[] }> };
  expect(notified.status).toBe(200);
  const messageId = recipients[0]!.message_ids[0]!;

  // The ERP is already waiting when Ivan presses.
  const poll = request(url, ERP, "GET", "/events?after=0&wait=5");
  await waiting(url, 1);
  const press = h.api.emulator.userPresses({ token: TOKEN, chat_id: IVAN.id, message_id: messageId, button: "Согласовать", from: IVAN });
  expect((await h.api.emulator.waitForCallbackAnswer(TOKEN, press.callback_query!.id)).text).toBe("Принято: Согласовать");
  const events = await eventsOf(await poll);
  expect(events).toEqual([expect.objectContaining({ type: "button", user: "ivanov", data: "approve:1042", button: "Согласовать", notification: id, message_id: messageId })]);

  const edit = await request(url, ERP, "PATCH", `/messages/${id}`, { text: "✅ Согласовано", buttons: [] });
  expect([edit.status, ((await edit.json()) as { status: string }).status]).toEqual([200, "done"]);
  // Behind a barrier (Ivan's next message acknowledged): the press's own keyboard edit, queued
  // in his chat before it, cannot land after the PATCH and bring a button back.
  await writes(h, IVAN, "Спасибо");
  const shown = h.api.emulator.message(TOKEN, IVAN.id, messageId)!.message;
  expect([shown.text, shown.reply_markup]).toEqual(["✅ Согласовано", undefined]);
  expect(await serve!.kill("SIGTERM")).toBe(0);
}, 30_000);

test("a client whose allow leaves the person out: no event from GET /events (a long poll keeps waiting), 404 for its file, 404 unknown_event for reply_to, nothing at its webhook", async () => {
  receiver = startReceiver(OPS_SECRET);
  const clients = [`  erp:\n    token: ${ERP}\n    receive: true`, `  ops:\n    token: ${OPS}\n    allow: [petrov]\n    webhook: { url: "${receiver.url}", secret: ${OPS_SECRET} }`];
  const { h, url } = await startGateway(clients.join("\n"));
  const opsPoll = request(url, OPS, "GET", "/events?after=0&wait=30");
  await waiting(url, 1);

  // Ivan (outside ops' allow) sends a document; the event is recorded and erp sees it.
  const document = h.api.emulator.userSendsDocument({ token: TOKEN, from: IVAN, bytes: new TextEncoder().encode("%PDF счёт"), file_name: "счёт.pdf", caption: "Счёт 1042" }).message!;
  await h.api.emulator.waitForMessage(TOKEN, IVAN.id, document.message_id, (shown) => shown.reactions.length > 0);
  const [ivans] = await eventsOf(await request(url, ERP, "GET", "/events?after=0"));
  expect(ivans).toMatchObject({ user: "ivanov", text: "Счёт 1042", files: [{ url: `/events/${ivans!.id}/files/0` }] });
  expect(await stillPending(opsPoll)).toBe(true);

  // Petr (inside) writes: ops' long poll ends with his event alone.
  await writes(h, PETR, "Где счёт 1043?");
  const petrs = await eventsOf(await opsPoll);
  expect(petrs.map((event) => [event.user, event.text])).toEqual([["petrov", "Где счёт 1043?"]]);
  expect((await eventsOf(await request(url, OPS, "GET", "/events?after=0"))).map((event) => event.id)).toEqual([petrs[0]!.id]);

  // Ivan's file: erp may fetch it, ops gets the same 404 as for a file that does not exist.
  expect((await request(url, ERP, "GET", ivans!.files[0]!.url)).status).toBe(200);
  const file = await request(url, OPS, "GET", ivans!.files[0]!.url);
  expect([file.status, ((await file.json()) as { error: { code: string } }).error.code]).toEqual([404, "not_found"]);

  // Answering Ivan's event: unknown to ops, nothing sent; Petr's it may answer.
  const before = h.api.emulator.sent(TOKEN, { chat_id: IVAN.id }).length;
  const refused = await request(url, OPS, "POST", "/notify", { reply_to: ivans!.id, text: "Получили" });
  expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([404, "unknown_event"]);
  expect(h.api.emulator.sent(TOKEN, { chat_id: IVAN.id })).toHaveLength(before);
  expect((await request(url, OPS, "POST", "/notify", { reply_to: petrs[0]!.id, text: "Ищем" })).status).toBe(200);

  // The webhook pushes in order: once Petr's event is there, Ivan's (older) was skipped for good.
  await receiver.waitFor(1);
  expect(receiver.received.map((r) => [r.eventId, r.signatureOk])).toEqual([[petrs[0]!.id, true]]);
  expect(await serve!.kill("SIGTERM")).toBe(0);
  expect(receiver.received).toHaveLength(1);
}, 30_000);
