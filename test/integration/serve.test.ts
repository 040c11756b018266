// `tgsignal serve` and `validate` as a sysadmin meets them: a real process, real files.
import { afterEach, describe, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BUN_COMMAND, eventually, runToExit, startServe, tempDir, writeConfig, type ServeProcess } from "./serve-process.ts";

const running: ServeProcess[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) if (server.proc.exitCode === null) await server.kill("SIGKILL");
});

const GOOD = "listen: 127.0.0.1:0\nusers:\n  ivanov: 48213977\n";

const run = (args: string[], env: Record<string, string> = {}) => runToExit(BUN_COMMAND, args, env);

async function metric(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : undefined;
}

describe("tgsignal validate", () => {
  test("exit 0 on a valid file, 1 with positioned errors, 2 on usage errors", async () => {
    const dir = await tempDir();
    const good = await writeConfig(dir, GOOD);
    expect((await run(["validate", "-c", good])).code).toBe(0);
    const broken = join(dir, "broken.yaml");
    await writeFile(broken, "listen: nowhere\nusers:\n  ivanov: 123\n");
    const result = await run(["validate", "-c", broken]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${broken}:1:9 listen: cannot parse "nowhere"`);
    expect(result.stderr).toContain(`${broken}:3:11 users.ivanov: key "123" is not valid`);
    expect((await run(["validate", "--bogus"])).code).toBe(2);
    expect((await run(["frobnicate"])).code).toBe(2);
  });

  test("TGSIGNAL_CONFIG picks the file; a missing file is a clear error", async () => {
    const dir = await tempDir();
    const good = await writeConfig(dir, GOOD);
    expect((await run(["validate"], { TGSIGNAL_CONFIG: good })).code).toBe(0);
    const missing = await run(["validate", "-c", join(dir, "nope.yaml")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot read config: file not found");
  });

  test("--version names the runtime", async () => {
    const { stdout, code } = await run(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^tgsignal \d+\.\d+\.\d+ \(bun \d/);
  });
});

describe("tgsignal serve", () => {
  test("an invalid config at start exits 1 with the positioned errors", async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, "listen: 127.0.0.1:0\nbots:\n  main:\n    token: ${NOPE_TOKEN}\n");
    const result = await run(["serve", "-c", file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:4:12 bots.main.token: environment variable NOPE_TOKEN is not set`);
  });

  test("serves health and metrics; a broken edit is kept out; the fix applies; SIGTERM exits 0", async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, GOOD);
    const server = await startServe(file);
    running.push(server);
    const health = await (await fetch(`${server.url}/healthz`)).json();
    expect(health).toMatchObject({ status: "ok", config: { last_reload_successful: true, last_error: null } });
    expect(await metric(server.url, "tgsignal_config_last_reload_successful")).toBe(1);

    await writeFile(file, GOOD.replace("48213977", "4821"));
    await server.waitForOutput(/config\.yaml:3:11 users\.ivanov: key "4821" is not valid/, 3000);
    expect(await metric(server.url, "tgsignal_config_last_reload_successful")).toBe(0);
    const degraded = (await (await fetch(`${server.url}/healthz`)).json()) as { status: string; config: { last_error: string } };
    expect(degraded.status).toBe("degraded");
    expect(degraded.config.last_error).toContain('key "4821" is not valid');

    const before = await metric(server.url, "tgsignal_config_last_reload_success_timestamp_seconds");
    await writeFile(file, GOOD.replace("ivanov", "petrov"));
    // Debounce is 150 ms; the generous bound keeps a loaded CI machine from flaking.
    await eventually(async () => (await metric(server.url, "tgsignal_config_last_reload_successful")) === 1, 3000, "the fix to apply");
    expect(await metric(server.url, "tgsignal_config_last_reload_success_timestamp_seconds")).toBeGreaterThanOrEqual(before!);

    expect(await server.kill("SIGTERM")).toBe(0);
    expect(server.output()).toContain("stopped");
  });

  test("a config emptied mid-write is kept out; a SIGHUP right after SIGTERM still exits 0", async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, GOOD);
    const server = await startServe(file);
    running.push(server);
    await writeFile(file, "");
    await server.waitForOutput(/config\.yaml:1:1 the file is empty \(a write still in progress\?\)/, 3000);
    expect(await metric(server.url, "tgsignal_config_last_reload_successful")).toBe(0);
    await writeFile(file, GOOD);
    await eventually(async () => (await metric(server.url, "tgsignal_config_last_reload_successful")) === 1, 3000, "the restored file to apply");
    server.proc.kill("SIGTERM");
    server.proc.kill("SIGHUP");
    expect(await server.proc.exited).toBe(0);
  });

  test("SIGHUP reloads", async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, GOOD);
    const server = await startServe(file);
    running.push(server);
    server.proc.kill("SIGHUP");
    await server.waitForOutput(/SIGHUP received: reloading config/, 3000);
    expect(await server.kill("SIGTERM")).toBe(0);
  });

  test("a second instance on the same data dir exits 3 with a clear message", async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, GOOD);
    const first = await startServe(file);
    running.push(first);
    const second = await run(["serve", "-c", file]);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`is in use by another tgsignal (pid ${first.proc.pid})`);
  });
});
