// GET /events and the file route through a real HTTP server, wired by gateway/events.ts
// as `serve` wires it (addEvents on the gateway, its component started and stopped),
// with a temp data dir. The conversation that records events lives in another branch, so
// the test records them into the inbox addEvents returns, as that layer will. Files come
// from a local stand-in of getFile and the file server, set as the bot's api_url.
import { afterEach, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile } from "../../src/config/load.ts";
import type { EventDraft, InboxStore } from "../../src/events/types.ts";
import { createGateway, type Gateway } from "../../src/gateway/app.ts";
import { addEvents } from "../../src/gateway/events.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { Platform, Server, SignalName } from "../../src/platform/platform.ts";
import { BotClients } from "../../src/telegram/bot-clients.ts";
import { messageDraft } from "../events/event-fixtures.ts";
import { startFileStandIn, type FileStandIn } from "../http/events-stand-in.ts";
import { ERP_TOKEN, jsonOf, startNotifyHarness, type NotifyHarness } from "./notify-harness.ts";

const BOT_TOKEN = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const READER = "reader-token-0123456789abcdef";
const OPS_READER = "ops-reader-token-0123456789ab";

interface Running {
  dir: string;
  gateway: Gateway;
  inbox: InboxStore;
  server: Server;
  url: string;
  raise(signal: SignalName): void;
  stop(): Promise<void>;
}

let standIn: FileStandIn | undefined;
let running: Running | undefined;
let notify: NotifyHarness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await standIn?.stop();
  standIn = undefined;
  await notify?.close();
  notify = undefined;
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function newDir(apiUrl: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-events-"));
  dirs.push(dir);
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
    "bots:",
    "  main:",
    `    token: "${BOT_TOKEN}"`,
    `    api_url: ${apiUrl}`,
    '    poll: "0 0 1 1 *"',
    "users:",
    "  ivanov: 48213977",
    "  petrov: 51928374",
    "groups:",
    "  ops: [ivanov]",
  ].join("\n");
  await writeFile(join(dir, "config.yaml"), config + "\n");
  return dir;
}

/** createGateway + the bot clients + addEvents, started and served as `serve` does. */
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
  const file = join(dir, "config.yaml");
  const load = () => loadConfigFile(platform, file, { env: {} });
  const gateway = createGateway({ platform, log: createMemoryLogger("info"), clock: systemClock, env: {} }, await load(), load);
  const bots = new BotClients({ platform, clock: systemClock, metrics: gateway.metrics });
  bots.apply(gateway.store.current);
  const inbox = await addEvents(gateway, bots);
  await gateway.start();
  const server = await bunPlatform.serve({ hostname: "127.0.0.1", port: 0, handler: gateway.router.handle });
  return {
    dir,
    gateway,
    inbox,
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
const record = (user: string, files: EventDraft["files"] = []) => running!.inbox.record(messageDraft(systemClock, { user, files }));

async function metric(line: string): Promise<string | undefined> {
  const text = await (await fetch(`${running!.url}/metrics`)).text();
  return text.split("\n").find((candidate) => candidate.startsWith(line));
}

async function waitingRequests(count: number): Promise<void> {
  for (let i = 0; i < 400 && (await metric("tgsignal_events_waiters ")) !== `tgsignal_events_waiters ${count}`; i++) await Bun.sleep(5);
  expect(await metric("tgsignal_events_waiters ")).toBe(`tgsignal_events_waiters ${count}`);
}

test("a long poll over a real socket is answered by the event; metrics count it; events and ids survive a restart", async () => {
  standIn = await startFileStandIn(BOT_TOKEN);
  running = await boot(await newDir(standIn.url));
  const scoped = get("/events?wait=30", OPS_READER);
  const everyone = get("/events?wait=30");
  await waitingRequests(2);
  const petrov = await record("petrov");
  expect((await jsonOf(await everyone)).events).toEqual([petrov.stored.event]);
  await waitingRequests(1);
  const ivanov = await record("ivanov");
  expect((await jsonOf(await scoped)).events).toEqual([ivanov.stored.event]);
  expect(await metric('tgsignal_events_total{bot="main",type="message"}')).toBe('tgsignal_events_total{bot="main",type="message"} 2');
  expect(await metric("tgsignal_inbox_events ")).toBe("tgsignal_inbox_events 2");

  await running.stop();
  running = await boot(running.dir);
  expect((await jsonOf(await get("/events"))).events).toEqual([petrov.stored.event, ivanov.stored.event]);
  expect((await record("ivanov")).stored.event.id).toBe("3");
}, 20_000);

test("SIGTERM answers a waiting long poll at once", async () => {
  standIn = await startFileStandIn(BOT_TOKEN);
  running = await boot(await newDir(standIn.url));
  const answer = get("/events?wait=60");
  await waitingRequests(1);
  running.raise("SIGTERM");
  const res = await answer;
  expect([res.status, await jsonOf(res)]).toEqual([200, { events: [] }]);
}, 20_000);

test("a file is streamed through the server with its length and name; the token never reaches the caller", async () => {
  standIn = await startFileStandIn(BOT_TOKEN);
  const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
  standIn.files.set("doc-1", { bytes });
  running = await boot(await newDir(standIn.url));
  const { stored } = await record("ivanov", [{ name: "Договор №7.pdf", mime: "application/pdf", size: bytes.length, fileId: "doc-1" }]);
  const res = await get(stored.event.files[0]!.url);
  expect(res.status).toBe(200);
  // The route sets Content-Length (test/http/events-files.test.ts); Bun 1.4's server drops
  // it for a streamed body and sends it chunked (oven-sh/bun#10507), Deno keeps it.
  expect(res.headers.get("content-disposition")).toContain("filename*=UTF-8''%D0%94%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%20%E2%84%967.pdf");
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  expect((await get(stored.event.files[0]!.url, OPS_READER)).status).toBe(200);
  const petrovs = await record("petrov", [{ name: "p.pdf", mime: "application/pdf", size: 1, fileId: "doc-1" }]);
  expect((await get(petrovs.stored.event.files[0]!.url, OPS_READER)).status).toBe(404);
  const missing = await get(`/events/${stored.event.id}/files/1`);
  const text = await missing.text();
  expect(missing.status).toBe(404);
  expect(text).not.toContain(BOT_TOKEN.split(":")[1]!);
}, 20_000);

test("serve's wiring (addComponents) has the routes: a client without receive is refused with 403", async () => {
  notify = await startNotifyHarness();
  const res = await fetch(`${notify.url}/events`, { headers: { Authorization: `Bearer ${ERP_TOKEN}` } });
  expect(res.status).toBe(403);
  expect((await jsonOf(res)).error.code).toBe("forbidden_events");
  const openapi = await jsonOf(await fetch(`${notify.url}/openapi.json`));
  expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(["/events", "/events/{id}/files/{n}"]));
}, 20_000);
