// Durability through the real `serve` process: keys survive restarts and kill -9, a torn
// tail is cut, a damaged middle line stops the start (exit 3, file:line, the fix), two
// instances cannot share a data dir; plus the keys/check CLI on the same data.
import { afterEach, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ask, createHarness, keyIn, MAIN_TS, spawnServe, TOKEN, type Harness } from "./inbound-harness.ts";

let harness: Harness | undefined;
const children: Array<ReturnType<typeof Bun.spawn>> = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill("SIGKILL");
    await child.exited;
  }
  await harness?.close();
  harness = undefined;
});

function serve(h: Harness): ReturnType<typeof Bun.spawn> {
  const child = spawnServe(h.configFile);
  children.push(child);
  return child;
}

async function stopServe(child: ReturnType<typeof Bun.spawn>, signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<number> {
  child.kill(signal);
  return await child.exited;
}

async function cli(h: Harness, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([process.execPath, MAIN_TS, ...args, "-c", h.configFile], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

const keysLog = (h: Harness) => join(h.dir, "data", "keys.log");

test("a key survives a clean restart and a kill -9; the restarted server answers with the same key", async () => {
  harness = await createHarness();
  let child = serve(harness);
  const key = keyIn(await ask(harness.api, "/key", { timeoutMs: 8000 }));
  expect(await stopServe(child)).toBe(0);
  child = serve(harness);
  expect(keyIn(await ask(harness.api, "/key", { timeoutMs: 8000 }))).toBe(key);
  await stopServe(child, "SIGKILL");
  child = serve(harness);
  expect(keyIn(await ask(harness.api, "my key", { timeoutMs: 8000 }))).toBe(key);
  expect(await stopServe(child)).toBe(0);
  const issued = (await readFile(keysLog(harness), "utf8")).trim().split("\n");
  expect(issued).toHaveLength(1);
}, 40_000);

test("a torn last line is cut off with a warning and the server starts", async () => {
  harness = await createHarness();
  const good = JSON.stringify({ type: "issued", key: "48213977", bot: "main", chat_id: 5001, chat_type: "private", username: "ivan", name: "Ivan", at: "2026-11-25T10:00:00.000Z" });
  await Bun.write(keysLog(harness), `${good}\n{"type":"issued","key":"5555`);
  const child = serve(harness);
  expect(keyIn(await ask(harness.api, "/key", { timeoutMs: 8000 }))).toBe("48213977");
  expect(await stopServe(child)).toBe(0);
  const stderr = await new Response(child.stderr as ReadableStream).text();
  expect(stderr).toContain("keys.log:2: torn last record");
  expect(await readFile(keysLog(harness), "utf8")).toBe(`${good}\n`);
}, 20_000);

test("a damaged middle line stops the start with file:line and the fix; keys repair fixes it", async () => {
  harness = await createHarness();
  const record = (key: string, chat: number) =>
    JSON.stringify({ type: "issued", key, bot: "main", chat_id: chat, chat_type: "private", username: null, name: "P", at: "2026-11-25T10:00:00.000Z" });
  await Bun.write(keysLog(harness), `${record("48213977", 1)}\n{"type":"iss GARBAGE\n${record("51928374", 2)}\n`);
  const child = serve(harness);
  expect(await child.exited).toBe(3);
  const stderr = await new Response(child.stderr as ReadableStream).text();
  expect(stderr).toContain("keys.log:2: damaged record");
  expect(stderr).toContain("tgsignal keys repair");
  expect((await cli(harness, "keys")).code).toBe(3);

  const repaired = await cli(harness, "keys", "repair");
  expect(repaired.code).toBe(0);
  expect(repaired.stdout).toContain("keys.log:2: not valid JSON");
  expect(await readFile(`${keysLog(harness)}.damaged`, "utf8")).toContain('{"type":"iss GARBAGE');
  const listed = await cli(harness, "keys", "--json");
  expect(JSON.parse(listed.stdout).map((row: { key: string }) => row.key).sort()).toEqual(["48213977", "51928374"]);
}, 20_000);

test("two instances on one data dir: the second exits 3 with a clear error; keys revoke never writes behind the server's back", async () => {
  harness = await createHarness([{ id: "main", token: TOKEN }], "users:\n  ivanov: 48213977\n");
  const first = serve(harness);
  const key = keyIn(await ask(harness.api, "/key", { timeoutMs: 8000 }));
  const second = serve(harness);
  expect(await second.exited).toBe(3);
  expect(await new Response(second.stderr as ReadableStream).text()).toContain("is in use by another tgsignal");

  const listed = await cli(harness, "keys");
  expect(listed.code).toBe(0);
  expect(listed.stdout.split("\n")[1]).toContain(`${key}`);
  expect(listed.stdout).toContain("UNASSIGNED");
  expect(listed.stderr).toContain("users.ivanov: key 48213977 is not in");

  // The revocation must go through the server's admin API, which this one (listen :0, a
  // port nobody knows) cannot be reached at: a clear exit 3, and keys.log is untouched.
  const before = await readFile(keysLog(harness), "utf8");
  const refused = await cli(harness, "keys", "revoke", key);
  expect(refused.code).toBe(3);
  expect(refused.stderr).toContain("listen in the config has port 0 (any free port), so its address is unknown; give listen a fixed port");
  expect(await readFile(keysLog(harness), "utf8")).toBe(before);
  expect(await stopServe(first)).toBe(0);

  const revoked = await cli(harness, "keys", "revoke", key);
  expect(revoked.code).toBe(0);
  expect((await readFile(keysLog(harness), "utf8")).trim().split("\n").at(-1)).toContain(`"type":"revoked","key":"${key}","by":"admin"`);
  const third = serve(harness);
  const fresh = keyIn(await ask(harness.api, "/key", { timeoutMs: 8000 }));
  expect(fresh).not.toBe(key);
  expect(await stopServe(third)).toBe(0);
}, 40_000);

test("tgsignal check shows each bot (with its description) and warns about a webhook; a bad token fails with exit 1", async () => {
  harness = await createHarness();
  const ok = await cli(harness, "check");
  expect(ok.code).toBe(0);
  expect(ok.stdout).toContain("main (main): OK @signal_bot id 111111");
  expect(ok.stdout).toContain("  description: Notifications from the ERP");
  await fetch(`${harness.api.url}/bot${TOKEN}/setWebhook`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: "https://example.com/hook" }) });
  expect((await cli(harness, "check")).stdout).toContain("a webhook is set");
  harness.api.emulator.revokeToken(TOKEN);
  const failed = await cli(harness, "check");
  expect(failed.code).toBe(1);
  expect(failed.stdout).toContain("FAILED");
  expect(failed.stdout + failed.stderr).not.toContain(TOKEN.split(":")[1]!);
}, 20_000);
