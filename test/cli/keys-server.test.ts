// `tgsignal keys` and `keys revoke` (in-process) beside a `tgsignal serve` process on the
// same data dir: they go through its admin API (the person is told, the revocation
// survives a kill -9 of the server right after its answer); with no admin token they say
// how to give one; offline they use keys.log as before.
import { afterEach, expect, test } from "bun:test";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { rm } from "node:fs/promises";
import { runKeys } from "../../src/cli/keys.ts";
import type { CliContext } from "../../src/cli/context.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { startFakeBotApi, type FakeBotApi } from "../fakes/fake-bot-api.ts";
import { keyLogText, notifyConfig, PEOPLE, TOKEN, TOKEN_B } from "../integration/notify-harness.ts";
import { eventually, startServe, tempDir, writeConfig, type ServeProcess } from "../integration/serve-process.ts";

const OPS_TOKEN = "ops-admin-token-0123456789abcdef";
const ERP_TOKEN = "erp-token-0123456789abcdef";
const ADMIN_CLIENT = `  ops:\n    token: ${OPS_TOKEN}\n    admin: true`;

let api: FakeBotApi | undefined;
let serve: ServeProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (serve && serve.proc.exitCode === null) await serve.kill("SIGTERM");
  serve = undefined;
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function setup(clients?: string): Promise<string> {
  api = await startFakeBotApi({
    bots: [
      { token: TOKEN, id: 111111, username: "signal_bot", first_name: "Signal" },
      { token: TOKEN_B, id: 222222, username: "other_bot", first_name: "Other" },
    ],
  });
  api.emulator.addChat(TOKEN, { id: PEOPLE.sidorov.chat, type: "private", first_name: "S" });
  dir = await tempDir("tgsignal-keys-");
  await mkdir(join(dir, "data"));
  await writeFile(join(dir, "data", "keys.log"), keyLogText());
  return writeConfig(dir, notifyConfig({ apiUrl: api.url, clients }));
}

/** Starts `tgsignal serve` and points the config's listen at the port it took. */
async function startServer(config: string): Promise<void> {
  serve = await startServe(config);
  const port = new URL(serve.url).port;
  await writeFile(config, (await readFile(config, "utf8")).replace("listen: 127.0.0.1:0", `listen: 127.0.0.1:${port}`));
}

function cli(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const log = createMemoryLogger("debug");
  const ctx: CliContext = { platform: bunPlatform, log, clock: systemClock, env, print: (text) => void out.push(text), printError: (text) => void err.push(text) };
  return { ctx, out, err, log };
}

const keyLog = async () => (await readFile(join(dir!, "data", "keys.log"), "utf8")).trim().split("\n").map((line) => JSON.parse(line));

test("through a running server: the list, a revocation the person is told of, durable through a kill -9 right after", async () => {
  const config = await setup(ADMIN_CLIENT);
  await startServer(config);
  const list = cli();
  expect(await runKeys(list.ctx, ["-c", config, "--json"])).toBe(0);
  expect(list.log.lines.some((line) => line.includes("keys listed by the running tgsignal"))).toBe(true);
  expect(JSON.parse(list.out.join("")).map((row: { key: string }) => row.key)).toContain(PEOPLE.sidorov.key);
  await serve!.waitForOutput(/admin: keys listed.*client=ops/);

  const revoke = cli();
  expect(await runKeys(revoke.ctx, ["revoke", PEOPLE.sidorov.key, "-c", config])).toBe(0);
  expect(revoke.out.join("\n")).toBe(`key ${PEOPLE.sidorov.key} revoked (bot main, chat ${PEOPLE.sidorov.chat}, sidorov); the person is told`);
  expect(revoke.err.join("\n")).toContain(`note: users.sidorov still lists ${PEOPLE.sidorov.key}`);
  await eventually(() => api!.emulator.sent(TOKEN, { chat_id: PEOPLE.sidorov.chat }).some((message) => message.text.includes(`${PEOPLE.sidorov.key} is revoked`)), 10_000, "the revoked text");

  // The answer comes after keys.log is fsynced: a kill -9 right after it loses nothing
  // (the queued message to the person may be lost; README: a crash drops queued replies).
  expect(await runKeys(cli().ctx, ["revoke", PEOPLE.petrov.key, "-c", config])).toBe(0);
  expect(await serve!.kill("SIGKILL")).not.toBe(0);
  expect((await keyLog()).slice(-2)).toMatchObject([
    { type: "revoked", key: PEOPLE.sidorov.key, by: "admin" },
    { type: "revoked", key: PEOPLE.petrov.key, by: "admin" },
  ]);

  // The server is gone (its lock is stale): offline again, reading the same keys.log.
  const offline = cli();
  expect(await runKeys(offline.ctx, ["-c", config])).toBe(0);
  expect(offline.out.join("\n")).toMatch(new RegExp(`${PEOPLE.sidorov.key}\\s.*revoked\\s+sidorov`));
  expect(offline.log.lines.some((line) => line.includes("keys listed by the running tgsignal"))).toBe(false);
}, 30_000);

test("a running server and no admin token: revoke says how to give one and changes nothing; the list reads keys.log with a note", async () => {
  const config = await setup();
  await startServer(config);
  const before = await readFile(join(dir!, "data", "keys.log"), "utf8");
  const revoke = cli();
  expect(await runKeys(revoke.ctx, ["revoke", PEOPLE.sidorov.key, "-c", config])).toBe(3);
  expect(revoke.err.join("\n")).toContain("so the key must be revoked through its admin API, but no admin token is known. Give --token");
  const wrong = cli({ TGSIGNAL_TOKEN: ERP_TOKEN });
  expect(await runKeys(wrong.ctx, ["revoke", PEOPLE.sidorov.key, "-c", config])).toBe(1);
  expect(wrong.err.join("\n")).toContain('client "erp" may not use the admin API; set clients.erp.admin: true in the config (the token from $TGSIGNAL_TOKEN;');
  expect(await readFile(join(dir!, "data", "keys.log"), "utf8")).toBe(before);
  expect(api!.emulator.sent()).toHaveLength(0);
  const list = cli();
  expect(await runKeys(list.ctx, ["-c", config])).toBe(0);
  expect(list.err.join("\n")).toContain("holds the data dir, but no admin token is known");
  expect(list.out.join("\n")).toContain(PEOPLE.sidorov.key);
}, 30_000);

test("offline: revoke writes keys.log itself and says the person is not told; again: already revoked; unknown: exit 1", async () => {
  const config = await setup(ADMIN_CLIENT);
  const first = cli();
  expect(await runKeys(first.ctx, ["revoke", PEOPLE.petrov.key, "-c", config])).toBe(0);
  expect(first.out.join("\n")).toContain("no server runs, so the person is not told");
  expect((await keyLog()).at(-1)).toMatchObject({ type: "revoked", key: PEOPLE.petrov.key, by: "admin" });
  const again = cli();
  expect(await runKeys(again.ctx, ["revoke", PEOPLE.petrov.key, "-c", config])).toBe(0);
  expect(again.out).toEqual([`key ${PEOPLE.petrov.key} was already revoked`]);
  const unknown = cli();
  expect(await runKeys(unknown.ctx, ["revoke", "99999999", "-c", config])).toBe(1);
  expect(unknown.err.join("\n")).toContain("key 99999999 is not in");
  expect(api!.emulator.sent()).toHaveLength(0);
}, 30_000);
