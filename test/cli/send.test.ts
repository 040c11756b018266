// `tgsignal send` as a process: alone it owns the data dir and delivers through the same
// outbox and policy; with a server running on the data dir it goes through that server.
import { afterEach, expect, test } from "bun:test";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startFakeBotApi, type FakeBotApi } from "../fakes/fake-bot-api.ts";
import { keyLogText, notifyConfig, PEOPLE, TOKEN, TOKEN_B } from "../integration/notify-harness.ts";
import { BUN_COMMAND, runToExit, startServe, tempDir, writeConfig, type ServeProcess } from "../integration/serve-process.ts";

let api: FakeBotApi | undefined;
let serve: ServeProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (serve && serve.proc.exitCode === null) await serve.kill("SIGTERM");
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Sidorov sent /stop: his key is revoked, so a notification to him fails at once. */
const REVOKED = JSON.stringify({ type: "revoked", key: PEOPLE.sidorov.key, by: "user", at: "2026-11-25T10:00:00.000Z" }) + "\n";

async function setup(keyLog = keyLogText()): Promise<string> {
  api = await startFakeBotApi({
    bots: [
      { token: TOKEN, id: 111111, username: "signal_bot", first_name: "Signal" },
      { token: TOKEN_B, id: 222222, username: "other_bot", first_name: "Other" },
    ],
  });
  api.emulator.addChat(TOKEN, { id: PEOPLE.sidorov.chat, type: "private", first_name: "S" });
  dir = await tempDir("tgsignal-send-");
  await mkdir(join(dir, "data"));
  await writeFile(join(dir, "data", "keys.log"), keyLog);
  return writeConfig(dir, notifyConfig({ apiUrl: api.url }));
}

const run = (args: string[]) => runToExit(BUN_COMMAND, args);

test("send delivers on its own and records the notification in the outbox", async () => {
  const config = await setup();
  const result = await run(["send", "-c", config, "--to", "sidorov", "--title", "cron", "--silent", "backup done"]);
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ status: "delivered", recipients: [{ user: "sidorov", status: "delivered" }] });
  expect(api!.emulator.sent(TOKEN)[0]).toMatchObject({ plain_text: "cron\nbackup done", disable_notification: true });
  expect(await readFile(join(dir!, "data", "outbox.log"), "utf8")).toContain('"client":"cli"');
}, 20_000);

test("send rejects an unknown name with exit 1 and sends nothing", async () => {
  const config = await setup();
  const result = await run(["send", "-c", config, "--to", "sidorv", "hello"]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('did you mean "sidorov"');
  expect(api!.emulator.sent()).toHaveLength(0);
}, 20_000);

test("with a server on the data dir, send goes through it over HTTP", async () => {
  const config = await setup();
  serve = await startServe(config);
  const port = new URL(serve.url).port;
  await writeFile(config, (await readFile(config, "utf8")).replace("listen: 127.0.0.1:0", `listen: 127.0.0.1:${port}`));
  const result = await run(["send", "-c", config, "--to", "sidorov", "via the server"]);
  expect(result.code).toBe(0);
  expect(result.stderr).toContain("sending through it");
  expect(api!.emulator.sent(TOKEN).map((m) => m.text)).toEqual(["via the server"]);
}, 30_000);

test("the exit code follows the outcome: a recipient that failed is exit 4", async () => {
  const config = await setup(keyLogText() + REVOKED);
  const result = await run(["send", "-c", config, "--to", "sidorov", "hello"]);
  expect(result.code).toBe(4);
  expect(JSON.parse(result.stdout)).toMatchObject({ status: "failed", recipients: [{ user: "sidorov", status: "failed" }] });
  expect(api!.emulator.sent()).toHaveLength(0);
}, 20_000);

test("through the server too: a refused request is exit 1, a failed recipient exit 4", async () => {
  const config = await setup(keyLogText() + REVOKED);
  serve = await startServe(config);
  const port = new URL(serve.url).port;
  await writeFile(config, (await readFile(config, "utf8")).replace("listen: 127.0.0.1:0", `listen: 127.0.0.1:${port}`));
  const refused = await run(["send", "-c", config, "--to", "sidorv", "hello"]);
  expect({ code: refused.code, said: refused.stderr.includes('did you mean "sidorov"') }).toEqual({ code: 1, said: true });
  const failed = await run(["send", "-c", config, "--to", "sidorov", "hello"]);
  expect({ code: failed.code, viaServer: failed.stderr.includes("sending through it") }).toEqual({ code: 4, viaServer: true });
  expect(JSON.parse(failed.stdout)).toMatchObject({ status: "failed" });
  expect(api!.emulator.sent()).toHaveLength(0);
}, 30_000);

test("send --file: local, one file with the text as its caption; several as an album; a missing or empty file is refused", async () => {
  const config = await setup();
  const pdf = join(dir!, "Счёт 1042.pdf");
  const csv = join(dir!, "detail.csv");
  await writeFile(pdf, "%PDF-1.7 invoice");
  await writeFile(csv, "a;b\n1;2\n");
  const one = await run(["send", "-c", config, "--to", "sidorov", "--file", pdf, "Счёт на согласование"]);
  expect(one.code).toBe(0);
  expect(JSON.parse(one.stdout).files).toMatchObject([{ name: "Счёт 1042.pdf", mime: "application/pdf", as: "document" }]);
  const album = await run(["send", "-c", config, "--to", "sidorov", "--file", pdf, "--file", csv]);
  expect(album.code).toBe(0);
  expect(api!.emulator.receivedFiles(TOKEN, PEOPLE.sidorov.chat).map((f) => [f.name, f.caption])).toEqual([
    ["Счёт 1042.pdf", "Счёт на согласование"],
    ["Счёт 1042.pdf", ""],
    ["detail.csv", ""],
  ]);
  const missing = await run(["send", "-c", config, "--to", "sidorov", "--file", join(dir!, "nope.pdf"), "x"]);
  expect(missing.code).toBe(2);
  await writeFile(join(dir!, "empty.txt"), "");
  const empty = await run(["send", "-c", config, "--to", "sidorov", "--file", join(dir!, "empty.txt"), "x"]);
  expect(empty.code).toBe(1);
  expect(empty.stderr).toContain("empty");
  // Delivered: data_dir/files keeps nothing.
  expect(await readdir(join(dir!, "data", "files"))).toEqual([]);
}, 30_000);

test("send --delay schedules: exit 0 at once, status scheduled, held in the outbox with its due time; a bad --at is exit 1", async () => {
  const config = await setup();
  const result = await run(["send", "-c", config, "--to", "sidorov", "--delay", "2h", "standup at 11:00"]);
  expect(result.code).toBe(0);
  const body = JSON.parse(result.stdout);
  expect(body).toMatchObject({ status: "scheduled", recipients: [{ user: "sidorov", status: "scheduled" }] });
  expect(result.stderr).toContain(`scheduled for ${body.scheduled_for}`);
  const line = (await readFile(join(dir!, "data", "outbox.log"), "utf8")).split("\n").find((text) => text.includes(body.id));
  expect(JSON.parse(line!).due_at).toBe(Date.parse(body.scheduled_for));
  expect(api!.emulator.sent()).toHaveLength(0);

  const bad = await run(["send", "-c", config, "--to", "sidorov", "--at", "tomorrow", "hello"]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('e.g. "2026-11-25T09:00:00+03:00"');
}, 20_000);

test("send --at through a running server: the server holds it", async () => {
  const config = await setup();
  serve = await startServe(config);
  const port = new URL(serve.url).port;
  await writeFile(config, (await readFile(config, "utf8")).replace("listen: 127.0.0.1:0", `listen: 127.0.0.1:${port}`));
  const at = new Date(Date.now() + 3_600_000).toISOString();
  const result = await run(["send", "-c", config, "--to", "sidorov", "--at", at, "via the server, later"]);
  expect({ code: result.code, viaServer: result.stderr.includes("sending through it") }).toEqual({ code: 0, viaServer: true });
  expect(JSON.parse(result.stdout)).toMatchObject({ status: "scheduled", scheduled_for: at });
  expect(api!.emulator.sent()).toHaveLength(0);
}, 30_000);

test("send --file through a running server: a multipart request", async () => {
  const config = await setup();
  serve = await startServe(config);
  const port = new URL(serve.url).port;
  await writeFile(config, (await readFile(config, "utf8")).replace("listen: 127.0.0.1:0", `listen: 127.0.0.1:${port}`));
  const report = join(dir!, "report.txt");
  await writeFile(report, "nightly report\n");
  const result = await run(["send", "-c", config, "--to", "sidorov", "--file", report, "--title", "cron", "done"]);
  expect(result.code).toBe(0);
  expect(result.stderr).toContain("sending through it");
  expect(api!.emulator.receivedFiles(TOKEN, PEOPLE.sidorov.chat)).toMatchObject([{ name: "report.txt", caption: "cron\ndone" }]);
}, 30_000);
