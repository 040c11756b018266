// The same end-to-end scenario on three runtimes: the compiled binary, `bun src/main.ts`
// and `deno run -A src/main.ts` (like Hono's runtime-tests). A person gets a key, a config
// edit assigns it, a notify (and an ntfy-style publish) is delivered, a broken edit (saved the way editors and
// `sed -i` save: a new file renamed over the old) is kept out, SIGTERM exits 0 and releases
// the lock.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFile, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startFakeBotApi } from "../fakes/fake-bot-api.ts";
import { BUN, BUN_COMMAND, DENO, ROOT, eventually, startServe, tempDir, type ServeCommand } from "../integration/serve-process.ts";

const BOT_TOKEN = "987654321:AAEsmokeTestTokenForRuntimeChecks0001";
const CLIENT_TOKEN = "smoke-client-token-0123456789";
let binaryDir = "";

beforeAll(async () => {
  binaryDir = await tempDir("tgs-bin-");
  const build = Bun.spawn([BUN, join(ROOT, "scripts/build.ts"), "--outdir", binaryDir], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if ((await build.exited) !== 0) throw new Error(`build failed: ${await new Response(build.stderr).text()}`);
}, 120_000);

const RUNTIMES: Record<string, () => ServeCommand> = {
  binary: () => ({ argv: [join(binaryDir, "tgsignal")] }),
  bun: () => BUN_COMMAND,
  deno: () => ({ argv: [DENO, "run", "-A", join(ROOT, "src/main.ts")] }),
};

const fake = await startFakeBotApi({ bots: [{ token: BOT_TOKEN, id: 987654321, username: "smoke_bot", first_name: "Smoke" }] });
afterAll(() => fake.close());

function configText(port = 0): string {
  return [
    `listen: 127.0.0.1:${port}`,
    "clients:",
    `  ci: { token: ${CLIENT_TOKEN} }`,
    "bots:",
    "  main:",
    `    token: "${BOT_TOKEN}"`,
    '    poll: "* * * * * *"',
    "    language: en",
    `    api_url: ${fake.url}`,
    "users:",
    "",
  ].join("\n");
}

describe.each(Object.keys(RUNTIMES))("runtime: %s", (runtime) => {
  test("key, assignment, notify, broken rename-save kept out, clean SIGTERM", async () => {
    const dir = await tempDir(`tgs-smoke-${runtime}-`);
    const file = join(dir, "config.yaml");
    await writeFile(file, configText());
    // Started from the config's directory, as an admin does (`cd /etc/tgsignal; tgsignal`):
    // that is where chokidar's close failed after a rename-save.
    const server = await startServe(file, { command: RUNTIMES[runtime]!(), timeoutMs: 30_000, cwd: dir });
    try {
      // Version reports the runtime.
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { runtime: string };
      expect(health.runtime).toStartWith(runtime === "deno" ? "deno" : "bun");

      // A person asks for a key.
      const personId = 5_000_000 + Math.floor(Math.random() * 1_000_000);
      fake.emulator.userWrites({ token: BOT_TOKEN, from: { id: personId, first_name: "Ivan", language_code: "en" }, text: "my key" });
      const reply = await fake.emulator.waitForSent((m) => m.chat_id === personId, 15_000);
      const key = /\b[1-9]\d{7}\b/.exec(reply.plain_text)?.[0];
      expect(key).toBeDefined();

      // The admin assigns it; the edit applies live.
      await appendFile(file, `  ivanov: ${key}\n`);
      await server.waitForOutput(/config reloaded/, 10_000);

      // The system notifies.
      const notify = () =>
        fetch(`${server.url}/notify`, {
          method: "POST",
          headers: { Authorization: `Bearer ${CLIENT_TOKEN}`, "Content-Type": "application/json" },
          body: JSON.stringify({ to: "ivanov", text: `hello from ${runtime}` }),
        });
      const first = await notify();
      expect(first.status).toBe(200);
      await fake.emulator.waitForSent((m) => m.chat_id === personId && m.plain_text === `hello from ${runtime}`, 10_000);

      // ntfy-style publishing, as curl and apprise send it (an RFC 2047 title: "Диск").
      const ntfy = await fetch(`${server.url}/ivanov`, {
        method: "POST",
        headers: { Authorization: `Bearer ${CLIENT_TOKEN}`, Title: "=?UTF-8?B?0JTQuNGB0Lo=?=", Priority: "high", Tags: "warning" },
        body: `ntfy on ${runtime}`,
      });
      expect({ status: ntfy.status, event: ((await ntfy.json()) as { event: string }).event }).toEqual({ status: 200, event: "message" });
      await fake.emulator.waitForSent((m) => m.chat_id === personId && m.plain_text === `❗ ⚠️ Диск\nntfy on ${runtime}`, 10_000);

      // A broken edit, saved by rename, is reported with its position and kept out; the old
      // config still works. (Closing the watcher after a rename-save used to fail the
      // shutdown on Bun: exit 4, lock left behind.)
      await writeFile(`${file}.swp`, (await readFile(file, "utf8")) + "  petrov: 123\n");
      await rename(`${file}.swp`, file);
      await server.waitForOutput(/config\.yaml:\d+:\d+ users\.petrov: key "123" is not valid/, 10_000);
      const metrics = await eventually(async () => {
        const text = await (await fetch(`${server.url}/metrics`)).text();
        return text.includes("tgsignal_config_last_reload_successful 0") ? text : undefined;
      }, 5000, "the reload failure metric");
      expect(metrics).not.toContain(BOT_TOKEN);
      expect((await notify()).status).toBe(200);

      // SIGTERM: in-flight work finishes, exit 0.
      expect(await server.kill("SIGTERM")).toBe(0);
      expect(server.output()).toContain("stopped");
      expect(await stat(join(dir, "data", "tgsignal.lock")).catch(() => "released")).toBe("released");
      expect(server.output()).not.toContain(BOT_TOKEN);
    } finally {
      if (server.proc.exitCode === null) await server.kill("SIGKILL");
    }
  }, 90_000);
});
