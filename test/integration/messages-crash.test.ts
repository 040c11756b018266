// kill -9 after PATCH and DELETE were answered: both are in outbox.log before the answer,
// so after a restart the deleted notification is never sent and the edit is carried out
// behind its message. `tgsignal serve` runs as a subprocess; the fake Bot API (in this
// process) refuses sends with a 503 until the crash, so everything is still queued.
import { expect, test } from "bun:test";
import type { FakeBotApi } from "../fakes/fake-bot-api.ts";
import { CRASH_BOT_TOKEN as TOKEN, cleanUpAfterEach, startCrashSandbox } from "./crash-sandbox.ts";
import { timeScaleEnv } from "./boot-gateway.ts";
import { eventually, startServe, type ServeProcess } from "./serve-process.ts";

const CLIENT_TOKEN = "crash-test-token-0123456789";
const SCALE = 0.25;

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
  ({ api, dir, configFile } = await startCrashSandbox({ prefix: "tgsignal-messages-crash-", people: PEOPLE, clientToken: CLIENT_TOKEN, timeScale: SCALE }));
  return configFile;
}

function request(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${CLIENT_TOKEN}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(serve!.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

test("kill -9 after a DELETE and a PATCH of queued notifications: the deleted one is never sent, the edit follows its message", async () => {
  const configFile = await setup();
  api!.emulator.setOutage(TOKEN, { status: 503 });
  serve = await startServe(configFile, { env: timeScaleEnv(SCALE) });
  const notify = async (to: string, text: string) => (await (await request("POST", "/notify?wait=0", { to, text, buttons: [{ text: "Approve", data: "approve" }] })).json()) as { id: string };
  const doomed = await notify("u1", "to be deleted");
  const edited = await notify("u2", "to be edited");
  const removal = await request("DELETE", `/messages/${doomed.id}`);
  expect([removal.status, ((await removal.json()) as { status: string }).status]).toEqual([200, "done"]);
  const edit = await request("PATCH", `/messages/${edited.id}?wait=0`, { text: "edited after the crash" });
  expect(edit.status).toBe(202);
  expect(api!.emulator.sent()).toHaveLength(0);
  await serve.kill("SIGKILL");

  api!.emulator.setOutage(TOKEN, null);
  serve = await startServe(configFile, { env: timeScaleEnv(SCALE) });
  await serve.waitForOutput(/resuming queued notifications/, 5000);
  // The edited notification goes out, then its edit.
  await eventually(() => api!.requests("editMessageText").length > 0, 10_000, "the edit after the restart");
  expect(api!.emulator.sent().map((message) => [message.chat_id, message.text])).toEqual([[6002, "to be edited"]]);
  expect(api!.requests("editMessageText")[0]!.at).toBeGreaterThanOrEqual(api!.requests("sendMessage").at(-1)!.at);
  // The deleted one stays deleted: GET says so, and a later notification to its chat is the only one it gets.
  const status = (await (await request("GET", `/messages/${doomed.id}`)).json()) as { status: string; operations: unknown[] };
  expect(status).toMatchObject({ status: "cancelled", operations: [{ operation: "delete", status: "done", recipients: [{ status: "cancelled" }] }] });
  expect((await request("POST", "/notify", { to: "u1", text: "after" })).status).toBe(200);
  expect(api!.emulator.sent(TOKEN, { chat_id: 6001 }).map((message) => message.text)).toEqual(["after"]);
  await eventually(async () => {
    const status = (await (await request("GET", `/messages/${edited.id}`)).json()) as { operations: Array<{ status: string }> };
    return status.operations[0]?.status === "done";
  }, 10_000, "the edit done");
  // The chat shows the edited text, without the button (an edit that does not repeat them removes them).
  const [shown] = api!.emulator.messages(TOKEN, 6002);
  expect(shown!.message.text).toBe("edited after the crash");
  expect(api!.emulator.keyboard(TOKEN, 6002, shown!.message.message_id)).toBeUndefined();
  expect(await serve.kill("SIGTERM")).toBe(0);
}, 40_000);
