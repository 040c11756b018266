// kill -9 with two scheduled notifications (one edited before its time): both are in
// outbox.log before their 202. After a restart the one that fell due while the gateway
// was down goes out at start, and the other on its time, with the edited text.
// `tgsignal serve` runs as a subprocess; its due times are wall-clock times.
import { expect, test } from "bun:test";
import type { FakeBotApi } from "../fakes/fake-bot-api.ts";
import { CRASH_BOT_TOKEN as TOKEN, cleanUpAfterEach, startCrashSandbox } from "./crash-sandbox.ts";
import { timeScaleEnv } from "./boot-gateway.ts";
import { eventually, startServe, type ServeProcess } from "./serve-process.ts";

const CLIENT_TOKEN = "crash-test-token-0123456789";

const PEOPLE = [
  { user: "u1", chat: 6001, key: "90006001" },
  { user: "u2", chat: 6002, key: "90006002" },
];

let api: FakeBotApi | undefined;
let serve: ServeProcess | undefined;
let dir: string | undefined;
cleanUpAfterEach(() => ({ api, serve, dir }));

async function setup(): Promise<string> {
  let configFile: string;
  ({ api, dir, configFile } = await startCrashSandbox({ prefix: "tgsignal-scheduled-crash-", people: PEOPLE, clientToken: CLIENT_TOKEN, timeScale: 0.1 }));
  return configFile;
}

async function request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { Authorization: `Bearer ${CLIENT_TOKEN}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(serve!.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test("kill -9 with scheduled notifications: one due during the downtime goes out at start, one due later on time", async () => {
  const configFile = await setup();
  serve = await startServe(configFile, { env: timeScaleEnv() });
  const dueSoon = Date.now() + 1000;
  const dueLater = Date.now() + 6000;
  const soon = await request("POST", "/notify", { to: "u1", text: "due while down", at: new Date(dueSoon).toISOString() });
  const later = await request("POST", "/notify", { to: "u2", text: "due later", at: new Date(dueLater).toISOString() });
  expect([soon.status, soon.body.status, later.status, later.body.status]).toEqual([202, "scheduled", 202, "scheduled"]);
  expect((await request("PATCH", `/messages/${later.body.id}`, { text: "due later, edited" })).status).toBe(200);
  await serve.kill("SIGKILL");

  // Down until the first one's time has passed.
  while (Date.now() <= dueSoon + 100) await Bun.sleep(50);
  expect(api!.requests("sendMessage")).toHaveLength(0);
  const restartedAt = Date.now();
  serve = await startServe(configFile, { env: timeScaleEnv() });
  await serve.waitForOutput(/resuming queued notifications/, 5000);

  await eventually(() => api!.emulator.sent(TOKEN, { chat_id: 6001 }).length === 1, 10_000, "the one due while down");
  expect(api!.requests("sendMessage")[0]!.at).toBeGreaterThanOrEqual(restartedAt);
  await eventually(() => api!.emulator.sent(TOKEN, { chat_id: 6002 }).length === 1, 15_000, "the one due later");
  const sends = api!.requests("sendMessage");
  expect(sends).toHaveLength(2);
  expect(sends[1]!.at).toBeGreaterThanOrEqual(dueLater);
  expect(api!.emulator.sent(TOKEN).map((message) => [message.chat_id, message.text])).toEqual([
    [6001, "due while down"],
    [6002, "due later, edited"],
  ]);
  for (const id of [soon.body.id, later.body.id])
    await eventually(async () => (await request("GET", `/messages/${id}`)).body.status === "delivered", 5000, `${id} delivered`);
  expect(await serve.kill("SIGTERM")).toBe(0);
}, 40_000);
