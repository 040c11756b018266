// The config file is input too (issue 12, items 4, 7 and 10), through real processes:
// what `validate`, `check` and a running `serve` do with a hostile or mistaken file.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startFakeBotApi } from "../fakes/fake-bot-api.ts";
import { BUN_COMMAND, eventually, runToExit, startServe, tempDir, writeConfig, type ServeProcess } from "./serve-process.ts";

const BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const CLIENT_TOKEN = "0123456789abcdef0123456789";
const NEW_TOKEN = "f3a9c1d2e4b5a6978877665544332211";
const GOOD = `listen: 127.0.0.1:0\nclients:\n  erp:\n    token: ${CLIENT_TOKEN}\nusers:\n  ivanov: 48213977\n`;
/** A new client added one indentation level too far left: its token lands at `clients.token`. */
const MISINDENTED = `${GOOD.replace("users:", `  monitoring:\n  token: ${NEW_TOKEN}\nusers:`)}`;

const running: ServeProcess[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) if (server.proc.exitCode === null) await server.kill("SIGKILL");
});
const fake = await startFakeBotApi({ bots: [{ token: BOT_TOKEN, id: 123456789, username: "signal_bot", first_name: "Signal" }] });
afterAll(() => fake.close());

const validate = (file: string) => runToExit(BUN_COMMAND, ["validate", "-c", file]);

async function mkfifo(path: string): Promise<void> {
  const made = Bun.spawnSync(["mkfifo", path]);
  if (made.exitCode !== 0) throw new Error(`mkfifo failed: ${made.stderr.toString()}`);
}

/** 2,000 users, and their list aliased 1,000 times: 2 million values from 60 KB. */
function aliasBomb(): string {
  const users = Array.from({ length: 2_000 }, (_, i) => `  u${i}: ${10_000_000 + i}`).join("\n");
  const names = Array.from({ length: 2_000 }, (_, i) => `u${i}`).join(", ");
  const refs = Array.from({ length: 1_000 }, (_, i) => `  g${i}: *all`).join("\n");
  return `users:\n${users}\ngroups:\n  all: &all [${names}]\n${refs}\n`;
}

async function health(url: string): Promise<{ status: string; config: { last_reload_successful: boolean; last_error: string | null } }> {
  return (await fetch(`${url}/healthz`)).json() as Promise<{ status: string; config: { last_reload_successful: boolean; last_error: string | null } }>;
}

describe("tgsignal validate refuses what is not a config file", () => {
  test("a symlink to /dev/zero, a FIFO and an alias bomb: exit 1 with the reason, at once", async () => {
    const dir = await tempDir();
    await symlink("/dev/zero", join(dir, "zero.yaml"));
    await mkfifo(join(dir, "fifo.yaml"));
    await writeFile(join(dir, "bomb.yaml"), aliasBomb());
    const [zero, fifo, bomb] = await Promise.all([validate(join(dir, "zero.yaml")), validate(join(dir, "fifo.yaml")), validate(join(dir, "bomb.yaml"))]);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toContain("zero.yaml:1:1 cannot read config: it is a device (it leads to /dev/zero), not a regular file");
    expect(fifo.code).toBe(1);
    expect(fifo.stderr).toContain("fifo.yaml:1:1 cannot read config: it is a FIFO (named pipe), not a regular file");
    expect(bomb.code).toBe(1);
    expect(bomb.stderr).toContain("bomb.yaml:2053:8 YAML aliases (*name) expand to more than 100,000 values");
  });

  test("a file over 4 MiB", async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, `# ${"x".repeat(4 * 1024 * 1024)}\nusers: {}\n`);
    const result = await validate(file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the file is 4,194,317 bytes; a config may be at most 4 MiB (4,194,304 bytes;");
  });
});

describe("secrets in config messages", () => {
  test("validate: a mis-indented client's token, proxy and api_url credentials are not echoed", async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, `${MISINDENTED}bots:\n  main:\n    token: "${BOT_TOKEN}"\n    api_url: "ftp://u:apipass-3391@h"\n    proxy: "socks5://u:proxypass-7714@p:1080"\n`);
    const result = await validate(file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("config.yaml:6:10 clients.token: expected a mapping (key: value lines), got a value that is not shown (it may be a secret)");
    expect(result.stderr).toContain('bots.main.api_url: "ftp://***@h" is not an http(s) URL');
    expect(result.stderr).toContain('bots.main.proxy: "socks5://***@p:1080" is not an http(s) URL');
    for (const secret of [NEW_TOKEN, "apipass", "proxypass"]) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  test("validate: a client token with a space is refused at the token, without showing it", async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, GOOD.replace(CLIENT_TOKEN, `"0123456789abcdef 0123456789"`));
    const result = await validate(file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("config.yaml:4:12 clients.erp.token: contains a space at character 17 of 27, so it could never authenticate");
    expect(result.stderr).not.toContain("0123456789abcdef 0123456789");
  });

  test("check: api_url and webhook credentials are masked", async () => {
    const dir = await tempDir();
    const apiUrl = fake.url.replace("http://", "http://botuser:apipass-5521@");
    const file = await writeConfig(dir, `bots:\n  main:\n    token: "${BOT_TOKEN}"\n    api_url: ${apiUrl}\n`);
    await fetch(`${fake.url}/bot${BOT_TOKEN}/setWebhook`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: "https://hook:hookpass-8812@example.com/hook" }) });
    const result = await runToExit(BUN_COMMAND, ["check", "-c", file]);
    expect(result.stdout).toContain(`main (main): OK @signal_bot id 123456789 "Signal" via ${fake.url.replace("http://", "http://***@")}`);
    expect(result.stdout).toContain("a webhook is set (https://***@example.com/hook)");
    for (const secret of ["apipass", "hookpass"]) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  test("serve: a mis-indented client's token never reaches /healthz or the log", async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, GOOD);
    const server = await startServe(file);
    running.push(server);
    await writeFile(file, MISINDENTED);
    await server.waitForOutput(/config\.yaml:6:10 clients\.token: expected a mapping/, 5000);
    const report = await health(server.url);
    expect(report.config.last_error).toContain("clients.token: expected a mapping (key: value lines), got a value that is not shown");
    expect(JSON.stringify(report) + server.output()).not.toContain(NEW_TOKEN);
  });
});

describe("tgsignal serve reloads", () => {
  test("a FIFO renamed over the config is refused and reported, and a later fix still applies", async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, GOOD);
    const server = await startServe(file);
    running.push(server);
    // Reading a FIFO used to block this reload, and every later one, while /healthz said ok.
    await mkfifo(join(dir, "swap.fifo"));
    await rename(join(dir, "swap.fifo"), file);
    const degraded = await eventually(async () => {
      const report = await health(server.url);
      return report.config.last_reload_successful ? undefined : report;
    }, 5000, "the FIFO to be refused");
    if (!degraded) throw new Error("unreachable: eventually returns a truthy value");
    expect(degraded.status).toBe("degraded");
    expect(degraded.config.last_error).toContain("it is a FIFO (named pipe), not a regular file");
    await writeFile(join(dir, "fixed.yaml"), GOOD.replace("ivanov", "petrov"));
    await rename(join(dir, "fixed.yaml"), file);
    await eventually(async () => (await health(server.url)).config.last_reload_successful, 5000, "the fix to apply");
    expect(await server.kill("SIGTERM")).toBe(0);
  });

  test("an alias bomb is refused with its position; the gateway keeps serving on the last good config", async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, GOOD);
    const server = await startServe(file);
    running.push(server);
    await writeFile(file, aliasBomb());
    await server.waitForOutput(/config\.yaml:2053:8 YAML aliases \(\*name\) expand to more than 100,000 values/, 10_000);
    expect((await health(server.url)).status).toBe("degraded");
    const res = await fetch(`${server.url}/notify`, { method: "POST", headers: { Authorization: `Bearer ${CLIENT_TOKEN}` }, body: new URLSearchParams({ to: "nobody", text: "x" }) });
    // The last good config is in force: its client is still known, "nobody" is not a user.
    expect(res.status).toBe(400);
  });
});
