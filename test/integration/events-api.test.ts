// GET /events and the file route through a real HTTP server, on the gateway as `serve`
// wires it (createGateway + addComponents, started and stopped), against the fake Bot API,
// with a temp data dir whose keys.log connects two people. People write and send files in
// the emulator; the conversation records them; callers read them over the socket.
import { afterEach, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Gateway } from "../../src/gateway/app.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { Platform, Server, SignalName } from "../../src/platform/platform.ts";
import { startFakeBotApi, type FakeBotApi } from "../fakes/fake-bot-api.ts";
import { bootGateway, TIME_SCALE } from "./boot-gateway.ts";

const BOT_TOKEN = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const READER = "reader-token-0123456789abcdef";
const OPS_READER = "ops-reader-token-0123456789ab";
const SENDER = "sender-token-0123456789abcdef";
const IVAN = { id: 5001, first_name: "Ivan", username: "ivan", language_code: "ru" };
const PETR = { id: 5002, first_name: "Пётр", language_code: "ru" };

interface Running {
  gateway: Gateway;
  server: Server;
  url: string;
  raise(signal: SignalName): void;
  stop(): Promise<void>;
}

let fake: FakeBotApi | undefined;
let running: Running | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await fake?.close();
  fake = undefined;
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** The keys the bot issued Ivan and Petr, assigned in the config; ops is Ivan alone. */
async function newDir(apiUrl: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-events-"));
  dirs.push(dir);
  const issued = (key: string, person: { id: number; first_name: string }) =>
    JSON.stringify({ type: "issued", key, bot: "main", chat_id: person.id, chat_type: "private", username: null, name: person.first_name, at: "2026-11-25T09:00:00.000Z" });
  await mkdir(join(dir, "data"));
  await writeFile(join(dir, "data", "keys.log"), [issued("48213977", IVAN), issued("51928374", PETR)].join("\n") + "\n");
  const config = [
    "listen: 127.0.0.1:0",
    "data_dir: ./data",
    "clients:",
    "  reader:",
    `    token: ${READER}`,
    "    receive: true",
    "  ops_reader:",
    `    token: ${OPS_READER}`,
    "    receive: true",
    "    allow: [ops]",
    "  sender:",
    `    token: ${SENDER}`,
    "bots:",
    "  main:",
    `    token: "${BOT_TOKEN}"`,
    `    api_url: ${apiUrl}`,
    '    poll: "* * * * * *"',
    "users:",
    "  ivanov: 48213977",
    "  petrov: 51928374",
    "groups:",
    "  ops: [ivanov]",
  ].join("\n");
  await writeFile(join(dir, "config.yaml"), config + "\n");
  return dir;
}

async function startFake(): Promise<FakeBotApi> {
  fake = await startFakeBotApi({ bots: [{ token: BOT_TOKEN, id: 111111, username: "signal_bot", first_name: "Signal" }], timeScale: TIME_SCALE });
  return fake;
}

/** The gateway as `serve` builds it, served on a loopback port; signals delivered by `raise`. */
async function boot(dir: string): Promise<Running> {
  const handlers = new Set<{ signal: SignalName; handler: () => void }>();
  const platform: Platform = {
    ...bunPlatform,
    onSignal(signal, handler) {
      const entry = { signal, handler };
      handlers.add(entry);
      return () => void handlers.delete(entry);
    },
  };
  const gateway = await bootGateway(join(dir, "config.yaml"), { platform, log: createMemoryLogger("info") });
  const server = await bunPlatform.serve({ hostname: "127.0.0.1", port: 0, handler: gateway.router.handle });
  return {
    gateway,
    server,
    url: `http://127.0.0.1:${server.port}`,
    raise: (signal) => [...handlers].filter((entry) => entry.signal === signal).forEach((entry) => entry.handler()),
    async stop() {
      await server.stop();
      await gateway.stop();
    },
  };
}

const get = (path: string, token = READER) => fetch(running!.url + path, { headers: { Authorization: `Bearer ${token}` } });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const jsonOf = (res: Response): Promise<any> => res.json();

async function metric(line: string): Promise<string | undefined> {
  const text = await (await fetch(`${running!.url}/metrics`)).text();
  return text.split("\n").find((candidate) => candidate.startsWith(line));
}

async function waitingRequests(count: number): Promise<void> {
  for (let i = 0; i < 400 && (await metric("tgsignal_events_waiters ")) !== `tgsignal_events_waiters ${count}`; i++) await Bun.sleep(5);
  expect(await metric("tgsignal_events_waiters ")).toBe(`tgsignal_events_waiters ${count}`);
}

test("a long poll over a real socket is answered by what a person writes; metrics count it; events and ids survive a restart", async () => {
  const api = await startFake();
  const dir = await newDir(api.url);
  running = await boot(dir);
  const scoped = get("/events?wait=30", OPS_READER);
  const everyone = get("/events?wait=30");
  await waitingRequests(2);
  const fromPetr = api.emulator.userWrites({ token: BOT_TOKEN, from: PETR, text: "Где счёт 1042?" }).message!;
  const [petrov] = (await jsonOf(await everyone)).events;
  expect(petrov).toMatchObject({ id: "1", user: "petrov", text: "Где счёт 1042?", chat_id: PETR.id, message_id: fromPetr.message_id });
  // Petr is outside ops: the scoped poll still waits.
  await waitingRequests(1);
  api.emulator.userWrites({ token: BOT_TOKEN, from: IVAN, text: "/tasks 42" });
  const [ivanov] = (await jsonOf(await scoped)).events;
  expect(ivanov).toMatchObject({ id: "2", user: "ivanov", command: "tasks", args: "42" });
  expect(await metric('tgsignal_events_total{bot="main",type="message"}')).toBe('tgsignal_events_total{bot="main",type="message"} 2');
  expect(await metric("tgsignal_inbox_events ")).toBe("tgsignal_inbox_events 2");

  await running.stop();
  running = await boot(dir);
  expect((await jsonOf(await get("/events"))).events).toEqual([petrov, ivanov]);
  const next = get("/events?after=2&wait=30");
  await waitingRequests(1);
  api.emulator.userWrites({ token: BOT_TOKEN, from: IVAN, text: "ещё вопрос" });
  expect((await jsonOf(await next)).events).toEqual([expect.objectContaining({ id: "3", text: "ещё вопрос" })]);
}, 20_000);

test("SIGTERM answers a waiting long poll at once", async () => {
  running = await boot(await newDir((await startFake()).url));
  const answer = get("/events?wait=60");
  await waitingRequests(1);
  running.raise("SIGTERM");
  const res = await answer;
  expect([res.status, await jsonOf(res)]).toEqual([200, { events: [] }]);
}, 20_000);

test("a file a person sent is streamed through the server with its name; access as the event's; the token never reaches the caller", async () => {
  const api = await startFake();
  running = await boot(await newDir(api.url));
  const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
  api.emulator.userSendsDocument({ token: BOT_TOKEN, from: IVAN, bytes, file_name: "Договор №7.pdf", caption: "подписан" });
  const [event] = (await jsonOf(await get("/events?wait=30"))).events;
  expect(event).toMatchObject({ user: "ivanov", text: "подписан", files: [{ name: "Договор №7.pdf", mime: "application/pdf", size: bytes.length, url: `/events/${event.id}/files/0` }] });
  const res = await get(event.files[0].url);
  expect(res.status).toBe(200);
  // The route sets Content-Length (test/http/events-files.test.ts); Bun 1.4's server drops
  // it for a streamed body and sends it chunked (oven-sh/bun#10507), Deno keeps it.
  expect(res.headers.get("content-type")).toBe("application/pdf");
  expect(res.headers.get("content-disposition")).toContain("filename*=UTF-8''%D0%94%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%20%E2%84%967.pdf");
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  expect((await get(event.files[0].url, OPS_READER)).status).toBe(200);
  expect((await get(event.files[0].url, SENDER)).status).toBe(403);

  api.emulator.userSendsDocument({ token: BOT_TOKEN, from: PETR, bytes: bytes.subarray(0, 10), file_name: "p.pdf" });
  const [petrovs] = (await jsonOf(await get(`/events?after=${event.id}&wait=30`))).events;
  expect(petrovs.user).toBe("petrov");
  expect((await get(petrovs.files[0].url, OPS_READER)).status).toBe(404);
  const missing = await get(`/events/${event.id}/files/1`);
  const text = await missing.text();
  expect(missing.status).toBe(404);
  expect(text).not.toContain(BOT_TOKEN.split(":")[1]!);
  // Only the two downloads reached Telegram's file server, with the bot's token.
  expect(api.requests("downloadFile").map((r) => [r.token, r.status])).toEqual([[BOT_TOKEN, 200], [BOT_TOKEN, 200]]);
}, 20_000);

test("serve's wiring has the routes: a client without receive is refused with 403; /openapi.json lists them", async () => {
  running = await boot(await newDir((await startFake()).url));
  const res = await get("/events", SENDER);
  expect(res.status).toBe(403);
  expect((await jsonOf(res)).error.code).toBe("forbidden_events");
  const openapi = await jsonOf(await fetch(`${running.url}/openapi.json`));
  expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(["/events", "/events/{id}/files/{n}"]));
}, 20_000);
