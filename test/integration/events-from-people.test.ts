// People writing to the system, end to end: the real gateway (in-process, as `serve`
// wires it) against the fake Bot API. A connected person's text, custom /commands, files
// and replies to our notifications are recorded as events (read back with GET /events, or
// counted by tgsignal_events_total) and acknowledged; anyone else is told how to connect;
// group chatter is ignored; the commands menu is published at start and on change.
import { afterEach, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ask, configYaml, createHarness, keyIn, TOKEN, waitFor, type Harness } from "./inbound-harness.ts";
import { timeScaleEnv } from "./boot-gateway.ts";
import { eventually, startServe, type ServeProcess } from "./serve-process.ts";

let harness: Harness | undefined;
let serve: ServeProcess | undefined;
afterEach(async () => {
  if (serve && serve.proc.exitCode === null) await serve.kill("SIGKILL");
  serve = undefined;
  await harness?.close();
  harness = undefined;
});

const IVAN = { id: 5001, first_name: "Ivan", username: "ivan", language_code: "en" };
const PETR = { id: 5002, first_name: "Пётр", language_code: "ru" };
const RECEIVED = 'texts: { received: "Received, {name}" }';

function metric(h: Harness, line: string): number {
  const found = h.gateway!.metrics.render().split("\n").find((row) => row.startsWith(line + " "));
  return found ? Number(found.slice(line.length + 1)) : 0;
}
const messageEvents = (h: Harness) => metric(h, 'tgsignal_events_total{bot="main",type="message"}');

/** Starts the gateway with `extra` under the bot, gets Ivan a key and assigns it to "ivanov" (a live reload). */
async function connectedIvan(extra = RECEIVED): Promise<{ h: Harness; key: string }> {
  const h = (harness = await createHarness([{ id: "main", token: TOKEN, extra }]));
  await h.start();
  const key = keyIn(await ask(h.api, "/key", { from: IVAN }));
  await h.writeConfig(configYaml(h.api.url, [{ id: "main", token: TOKEN, extra }], `users:\n  ivanov: ${key}\n`));
  return { h, key };
}

test("a connected person's text and /commands become events, each acknowledged as a reply to it; built-ins and other bots' commands do not", async () => {
  const { h } = await connectedIvan();
  for (const text of ["Где счёт 1042?", "/tasks 42", "/tasks@signal_bot open"]) {
    const before = h.api.emulator.sent(TOKEN).length;
    const written = h.api.emulator.userWrites({ token: TOKEN, from: IVAN, text });
    const ack = await h.api.emulator.waitForSent((m) => h.api.emulator.sent(TOKEN).indexOf(m) >= before && m.chat_id === IVAN.id);
    expect(ack.text).toBe("Received, Ivan");
    expect(ack.reply_parameters).toMatchObject({ message_id: written.message!.message_id });
  }
  expect(messageEvents(h)).toBe(3);
  // The bot's own business stays its own; a command for another bot is not ours at all.
  expect(await ask(h.api, "/help", { from: IVAN })).toContain("/key");
  expect(keyIn(await ask(h.api, "my key", { from: IVAN }))).toBeTruthy();
  h.api.emulator.userWrites({ token: TOKEN, from: IVAN, text: "/tasks@other_bot 1" });
  expect(await ask(h.api, "/start", { from: IVAN })).toContain("Hello, Ivan");
  expect(messageEvents(h)).toBe(3);
}, 20_000);

test("not connected: no key, or a key not assigned, is told so in the person's language; no event; a flood is answered once", async () => {
  const { h } = await connectedIvan();
  expect(await ask(h.api, "Здравствуйте, где мой счёт?", { from: PETR })).toStartWith("Сообщение не передано: вы ещё не подключены");
  const key = keyIn(await ask(h.api, "/key", { from: PETR }));
  expect(await ask(h.api, "/tasks", { from: PETR })).toBe(`Сообщение не передано: ваш ключ ${key} ещё не подключён. Передайте его администратору.`);
  const before = h.api.emulator.sent(TOKEN).filter((m) => m.chat_id === PETR.id).length;
  for (let i = 0; i < 30; i++) h.api.emulator.userWrites({ token: TOKEN, from: PETR, text: `hello ${i}` });
  // Ivan's message behind the flood is still taken promptly.
  expect(await ask(h.api, "still there?", { from: IVAN })).toBe("Received, Ivan");
  await Bun.sleep(300);
  expect(h.api.emulator.sent(TOKEN).filter((m) => m.chat_id === PETR.id).length - before).toBeLessThanOrEqual(1);
  expect(messageEvents(h)).toBe(1);
}, 20_000);

test("in a connected group only what is addressed to the bot is an event; chatter is never answered", async () => {
  const chat = { id: -7001, type: "group" as const, title: "Ops" };
  const h = (harness = await createHarness([{ id: "main", token: TOKEN, extra: RECEIVED }]));
  await h.start();
  const key = keyIn(await ask(h.api, "/key@signal_bot", { chat, from: IVAN }));
  await h.writeConfig(configYaml(h.api.url, [{ id: "main", token: TOKEN, extra: RECEIVED }], `users:\n  ops: ${key}\n`));
  const olga = { id: 5010, first_name: "Olga", language_code: "en" };
  for (const text of ["good morning", "who has the key to 305?", "/tasks@other_bot"]) h.api.emulator.userWrites({ token: TOKEN, chat, from: olga, text });
  expect(await ask(h.api, "/tasks@signal_bot 42", { chat, from: olga })).toBe("Received, Olga");
  await Bun.sleep(300);
  expect(h.api.emulator.sent(TOKEN).filter((m) => m.chat_id === chat.id)).toHaveLength(2);
  expect(messageEvents(h)).toBe(1);
}, 20_000);

test("the commands menu is published at start (default and ru), again when commands or texts change, not for other reloads", async () => {
  const bot = (extra: string) => [{ id: "main", token: TOKEN, extra }];
  const h = (harness = await createHarness(bot('commands: { tasks: "Мои задачи" }')));
  await h.start();
  const published = () => h.api.requests("setMyCommands", TOKEN).filter((r) => r.status === 200).length;
  await waitFor(() => published() === 2, 5000, "the menu at start");
  await h.writeConfig(configYaml(h.api.url, bot('commands: { tasks: "Мои задачи" }'), "users:\n  ivanov: 48213977\n"));
  await Bun.sleep(200);
  expect(published()).toBe(2);
  await h.writeConfig(configYaml(h.api.url, bot('commands: { tasks: "Мои задачи", report: "Отчёт" }')));
  await waitFor(() => published() === 4, 5000, "the changed menu");
  await h.writeConfig(configYaml(h.api.url, bot('commands: { tasks: "Мои задачи", report: "Отчёт" }\ntexts: { menu_help: "Справка" }')));
  await waitFor(() => published() === 6, 5000, "the menu with a changed text");
  const res = await fetch(`${h.api.url}/bot${TOKEN}/getMyCommands`);
  // The fake keeps one list (the last published: Russian).
  expect(((await res.json()) as { result: Array<{ command: string }> }).result.map((c) => c.command)).toEqual(["tasks", "report", "key", "stop", "help"]);
}, 20_000);

test("a failing setMyCommands is logged, never fatal, and published at the next change", async () => {
  const h = (harness = await createHarness([{ id: "main", token: TOKEN, extra: 'commands: { tasks: "Tasks" }' }]));
  h.api.emulator.failNext(TOKEN, "setMyCommands", { error_code: 400, description: "Bad Request: BOT_COMMAND_INVALID" });
  await h.start();
  await waitFor(() => h.log.lines.some((line) => line.includes("commands menu not published")), 5000, "the failure logged");
  expect(await ask(h.api, "/start", { from: IVAN })).toContain("Hello");
  await h.writeConfig(configYaml(h.api.url, [{ id: "main", token: TOKEN, extra: 'commands: { tasks: "Tasks" }' }], "users:\n  ivanov: 48213977\n"));
  await waitFor(() => h.api.requests("setMyCommands", TOKEN).filter((r) => r.status === 200).length === 2, 5000, "the retry");
}, 20_000);

interface EventJson {
  id: string;
  type: string;
  user: string;
  text: string | null;
  command: string | null;
  args: string | null;
  message_id: number;
  from: { id: number; name: string };
  reply_to: { notification: string; message_id: number } | null;
  files: Array<{ name: string; mime: string; size: number | null; url: string }>;
}

/** GET (or POST `body`) as a local program (no clients configured: loopback may read and answer every event). */
function local(h: Harness, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  return h.gateway!.router.handle(new Request(`http://localhost${path}`, init), { remoteAddr: "127.0.0.1" });
}

async function events(h: Harness): Promise<EventJson[]> {
  const res = await local(h, "/events?after=0&limit=1000");
  expect(res.status).toBe(200);
  return ((await res.json()) as { events: EventJson[] }).events;
}

test("a connected person's message is acknowledged with 👌 by default, once the event is recorded", async () => {
  const { h } = await connectedIvan("");
  const written = h.api.emulator.userWrites({ token: TOKEN, from: IVAN, text: "Где счёт 1042?" });
  const chatId = IVAN.id;
  const messageId = written.message!.message_id;
  await waitFor(() => h.api.emulator.reactions(TOKEN, chatId, messageId).length > 0, 5000, "the reaction");
  expect(h.api.emulator.reactions(TOKEN, chatId, messageId)).toEqual(["👌"]);
  expect(await events(h)).toEqual([expect.objectContaining({ type: "message", user: "ivanov", text: "Где счёт 1042?", message_id: messageId })]);
}, 20_000);

test("documents and photos become events with their files; GET /events/{id}/files/{n} streams the bytes", async () => {
  const { h } = await connectedIvan("");
  const pdf = new TextEncoder().encode("%PDF-1.7 счёт 1042");
  const photo = new Uint8Array(5000).map((_, i) => i % 251);
  h.api.emulator.userSendsDocument({ token: TOKEN, from: IVAN, bytes: pdf, file_name: "счёт 1042.pdf", mime_type: "application/pdf", caption: "/tasks 1042" });
  // Commands live in message texts, not in captions: a caption is text (a "/key" caption asks for nothing).
  h.api.emulator.userSendsPhoto({ token: TOKEN, from: IVAN, bytes: photo, width: 800, height: 600, caption: "the broken pump" });
  await eventually(async () => (await events(h)).length === 2, 5000, "two events");
  const [document, picture] = await events(h);
  expect(document).toMatchObject({ text: "/tasks 1042", command: null, args: null, files: [{ name: "счёт 1042.pdf", mime: "application/pdf", size: pdf.length }] });
  expect(picture).toMatchObject({ text: "the broken pump", files: [{ name: "photo.jpg", mime: "image/jpeg", size: photo.length }] });
  const file = await local(h, document!.files[0]!.url);
  expect(file.status).toBe(200);
  expect(file.headers.get("content-type")).toBe("application/pdf");
  expect(file.headers.get("content-disposition")).toContain("filename*=UTF-8''");
  expect(new Uint8Array(await file.arrayBuffer())).toEqual(pdf);
  const largest = await local(h, picture!.files[0]!.url);
  expect(new Uint8Array(await largest.arrayBuffer())).toEqual(photo);
  expect((await local(h, `/events/${picture!.id}/files/1`)).status).toBe(404);
}, 20_000);
test("a reply to our notification is an event with reply_to; POST /notify with reply_to answers it under the person's message", async () => {
  const { h } = await connectedIvan("");
  const notified = await local(h, "/notify", { to: "ivanov", text: "Invoice 1042 is overdue" });
  const notification = (await notified.json()) as { id: string; recipients: Array<{ message_ids: number[] }> };
  expect(notified.status).toBe(200);
  const ours = notification.recipients[0]!.message_ids[0]!;
  // A reply to the bot's key message is a reply too, but not to a notification.
  const keyMessage = h.api.emulator.sent(TOKEN, { chat_id: IVAN.id })[0]!.message_id;
  const reply = h.api.emulator.userWrites({ token: TOKEN, from: IVAN, text: "Paid yesterday", reply_to_message_id: ours }).message!;
  const other = h.api.emulator.userWrites({ token: TOKEN, from: IVAN, text: "Thanks for the key", reply_to_message_id: keyMessage }).message!;
  await h.api.emulator.waitForMessage(TOKEN, IVAN.id, other.message_id, (message) => message.reactions.length > 0);
  const [event, unrelated] = await events(h);
  expect(event).toMatchObject({ type: "message", user: "ivanov", text: "Paid yesterday", message_id: reply.message_id, reply_to: { notification: notification.id, message_id: ours } });
  expect(unrelated).toMatchObject({ text: "Thanks for the key", reply_to: null });

  const answered = await local(h, "/notify", { reply_to: event!.id, text: "Thank you, the payment is matched" });
  const answer = (await answered.json()) as { reply_to: string; recipients: Array<{ user: string; chat_id: number; message_ids: number[] }> };
  expect(answered.status).toBe(200);
  expect(answer).toMatchObject({ reply_to: event!.id, recipients: [{ user: "ivanov", chat_id: IVAN.id }] });
  const sent = h.api.emulator.sent(TOKEN, { chat_id: IVAN.id }).find((m) => m.message_id === answer.recipients[0]!.message_ids[0]);
  expect(sent?.reply_parameters).toMatchObject({ message_id: reply.message_id });
  // The person's client shows it under their message.
  const shown = h.api.emulator.message(TOKEN, IVAN.id, sent!.message_id)!.message;
  expect([shown.text, shown.reply_to_message?.message_id]).toEqual(["Thank you, the payment is matched", reply.message_id]);
}, 20_000);
test("a mention of the bot in a group is an event with the mention stripped; a mention of someone else is chatter", async () => {
  const chat = { id: -7002, type: "group" as const, title: "Ops" };
  const h = (harness = await createHarness([{ id: "main", token: TOKEN, extra: RECEIVED }]));
  await h.start();
  const key = keyIn(await ask(h.api, "/key@signal_bot", { chat, from: IVAN }));
  await h.writeConfig(configYaml(h.api.url, [{ id: "main", token: TOKEN, extra: RECEIVED }], `users:\n  ops: ${key}\n`));
  h.api.emulator.userWrites({ token: TOKEN, chat, from: PETR, text: "@anna check pump 3" });
  expect(await ask(h.api, "@signal_bot где счёт 1042?", { chat, from: PETR })).toBe("Received, Пётр");
  expect(await events(h)).toEqual([expect.objectContaining({ user: "ops", text: "где счёт 1042?", from: expect.objectContaining({ id: PETR.id }) })]);
}, 20_000);

// kill -9 right after people wrote 50 messages: after the restart every event is there
// exactly once (the offset moves only after the batch's events are fsynced, and a replayed
// update makes no second event).
test("kill -9 right after 50 messages: after restart every event is there exactly once", async () => {
  const h = (harness = await createHarness());
  const people = Array.from({ length: 10 }, (_, i) => ({ id: 8000 + i, first_name: `P${i}`, language_code: "en" }));
  const keys = people.map((_, i) => String(70000000 + i));
  const keyLog = people.map((person, i) =>
    JSON.stringify({ type: "issued", key: keys[i], bot: "main", chat_id: person.id, chat_type: "private", username: null, name: person.first_name, at: "2026-11-25T09:00:00.000Z" }),
  );
  await mkdir(join(h.dir, "data"), { recursive: true });
  await writeFile(join(h.dir, "data", "keys.log"), keyLog.join("\n") + "\n");
  const users = `users:\n${keys.map((key, i) => `  p${i}: ${key}`).join("\n")}\n`;
  const config = configYaml(h.api.url, [{ id: "main", token: TOKEN, extra: RECEIVED }], users).replace("bots:", "clients:\n  erp:\n    token: events-reader-token-0123456789\n    receive: true\nbots:");
  await writeFile(h.configFile, config);
  serve = await startServe(h.configFile, { env: timeScaleEnv() });
  for (let n = 0; n < 50; n++) h.api.emulator.userWrites({ token: TOKEN, from: people[n % people.length]!, text: `message ${String(n).padStart(2, "0")}` });
  // Killed while the batch is being handled: some events are on disk, the offset may not be.
  await h.api.emulator.waitForSent((m) => m.text.startsWith("Received"), 10_000);
  await serve.kill("SIGKILL");
  serve = await startServe(h.configFile, { env: timeScaleEnv() });
  const texts = async (): Promise<string[]> => {
    const res = await fetch(`${serve!.url}/events?after=0&limit=1000`, { headers: { Authorization: "Bearer events-reader-token-0123456789" } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { events: Array<{ text: string | null }> };
    return body.events.map((event) => event.text ?? "");
  };
  await waitFor(() => h.api.requests("getUpdates", TOKEN).length > 0, 10_000, "polling after the restart");
  const deadline = Date.now() + 15_000;
  let seen = await texts();
  while (seen.length < 50 && Date.now() < deadline) {
    await Bun.sleep(100);
    seen = await texts();
  }
  expect(seen.sort()).toEqual(Array.from({ length: 50 }, (_, n) => `message ${String(n).padStart(2, "0")}`));
  expect(await serve.kill("SIGTERM")).toBe(0);
}, 40_000);

test("a person's message reaches a client's webhook, signed with its secret: the full path through inbox.log", async () => {
  const secret = "erp-webhook-secret-0123456789";
  const received: Array<{ id: string | null; valid: boolean; event: EventJson }> = [];
  const receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const body = await req.text();
      const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
      received.push({ id: req.headers.get("x-tgsignal-event"), valid: req.headers.get("x-tgsignal-signature") === signature, event: JSON.parse(body) as EventJson });
      return new Response("ok");
    },
  });
  try {
    const h = (harness = await createHarness([{ id: "main", token: TOKEN, extra: RECEIVED }]));
    await h.start();
    const key = keyIn(await ask(h.api, "/key", { from: IVAN }));
    const webhook = `clients:\n  erp:\n    token: events-reader-token-0123456789\n    webhook: { url: "http://127.0.0.1:${receiver.port}/hook", secret: ${secret} }\nbots:`;
    await h.writeConfig(configYaml(h.api.url, [{ id: "main", token: TOKEN, extra: RECEIVED }], `users:\n  ivanov: ${key}\n`).replace("bots:", webhook));
    // A new client's pusher starts "from now on": from the reload, which writeConfig waits for.
    for (const text of ["first", "second"]) expect(await ask(h.api, text, { from: IVAN })).toBe("Received, Ivan");
    await waitFor(() => received.length === 2, 5000, "two webhook POSTs");
    expect(received.map(({ id, valid, event }) => [id, valid, event.text, event.user])).toEqual([
      [received[0]!.event.id, true, "first", "ivanov"],
      [received[1]!.event.id, true, "second", "ivanov"],
    ]);
  } finally {
    await receiver.stop(true);
  }
}, 20_000);
