// End to end with a client nobody here wrote: the real `apprise` CLI (Debian's package,
// which .ci/run installs) drives `tgsignal serve` with ntfy:// and gotify:// URLs, and the
// messages reach the fake Bot API. Skipped, saying so, where apprise is not installed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startFakeBotApi, type FakeBotApi } from "../fakes/fake-bot-api.ts";
import { timeScaleEnv } from "./boot-gateway.ts";
import { startServe, tempDir, writeConfig, type ServeProcess } from "./serve-process.ts";

const APPRISE = Bun.which("apprise");
if (!APPRISE) console.warn("apprise.test.ts: skipped: the apprise CLI is not installed (apt-get install -y apprise; .ci/run installs it)");

const BOT = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const NTFY_TOKEN = "apprise-ntfy-token-0123456789";
const GOTIFY_TOKEN = "apprise-gotify-token-0123456789";
const PETROV = { key: "51928374", chat: 5002 };
/** Each apprise run starts Python (a second or two on a busy machine); a test runs one or two. */
const APPRISE_TIMEOUT_MS = 60_000;

let api: FakeBotApi;
let server: ServeProcess;
let dir: string;
let host: string;

describe.skipIf(!APPRISE)("apprise", () => {
  beforeAll(async () => {
    api = await startFakeBotApi({ bots: [{ token: BOT, id: 111111, username: "signal_bot", first_name: "Signal" }], timeScale: 0.1 });
    api.emulator.addChat(BOT, { id: PETROV.chat, type: "private", first_name: "Petr" });
    dir = await tempDir("tgs-apprise-");
    await mkdir(join(dir, "data"));
    const issued = { type: "issued", key: PETROV.key, bot: "main", chat_id: PETROV.chat, chat_type: "private", username: "petrov", name: "Petr", at: "2026-11-25T09:00:00.000Z" };
    await writeFile(join(dir, "data", "keys.log"), JSON.stringify(issued) + "\n");
    const config = [
      "listen: 127.0.0.1:0",
      "data_dir: ./data",
      "clients:",
      `  scripts: { token: ${NTFY_TOKEN} }`,
      `  proxmox: { token: ${GOTIFY_TOKEN}, to: [petrov] }`,
      "bots:",
      `  main: { token: "${BOT}", api_url: "${api.url}", poll: "0 0 1 1 *" }`,
      "users:",
      `  petrov: ${PETROV.key}`,
    ].join("\n");
    server = await startServe(await writeConfig(dir, config + "\n"), { env: timeScaleEnv() });
    host = new URL(server.url).host;
  }, APPRISE_TIMEOUT_MS);

  afterAll(async () => {
    await server?.kill("SIGTERM");
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** apprise -vv -t TITLE -b BODY URL; requests must not go through a proxy to 127.0.0.1. */
  async function apprise(title: string, body: string, url: string): Promise<{ code: number; output: string }> {
    const proc = Bun.spawn([APPRISE!, "-vv", "-t", title, "-b", body, url], {
      env: { ...process.env, NO_PROXY: "127.0.0.1,localhost", no_proxy: "127.0.0.1,localhost" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { code, output: out + err };
  }

  const toPetrov = (marker: string) => api.emulator.waitForSent((m) => m.chat_id === PETROV.chat && m.plain_text.includes(marker), 15_000);

  test("ntfy://user:token@host/name: apprise's JSON publish with Basic auth", async () => {
    const result = await apprise("Backup", "apprise-ntfy-1 finished", `ntfy://apprise:${NTFY_TOKEN}@${host}/petrov`);
    expect(result).toMatchObject({ code: 0 });
    expect((await toPetrov("apprise-ntfy-1")).plain_text).toBe("Backup\napprise-ntfy-1 finished");
  }, APPRISE_TIMEOUT_MS);

  test("ntfy:// with ?priority=max&tags=…&click=…: the marks, the emoji, the tag line and the button", async () => {
    const query = "priority=max&tags=warning,db1&click=https%3A%2F%2Fgrafana.local%2Fd%2F1";
    const result = await apprise("Disk full", "apprise-ntfy-2", `ntfy://apprise:${NTFY_TOKEN}@${host}/petrov?${query}`);
    expect(result).toMatchObject({ code: 0 });
    const sent = await toPetrov("apprise-ntfy-2");
    expect(sent.plain_text).toBe("‼️ ⚠️ Disk full\napprise-ntfy-2\n\nTags: db1");
    expect(sent.reply_markup).toEqual({ inline_keyboard: [[{ text: "🔗 grafana.local", url: "https://grafana.local/d/1" }]] });
  }, APPRISE_TIMEOUT_MS);

  test("gotify://host/token: recipients from the client's to; ?priority=high is urgent; ?format=markdown", async () => {
    expect(await apprise("Proxmox", "apprise-gotify-1", `gotify://${host}/${GOTIFY_TOKEN}`)).toMatchObject({ code: 0 });
    expect((await toPetrov("apprise-gotify-1")).plain_text).toBe("Proxmox\napprise-gotify-1");
    expect(await apprise("Proxmox", "**apprise-gotify-2**", `gotify://${host}/${GOTIFY_TOKEN}?priority=high&format=markdown`)).toMatchObject({ code: 0 });
    const sent = await toPetrov("apprise-gotify-2");
    expect(sent.plain_text).toBe("❗ Proxmox\napprise-gotify-2");
    expect(sent.entities).toContainEqual({ type: "bold", offset: 10, length: 16 });
  }, APPRISE_TIMEOUT_MS);

  test("a wrong token: apprise reports the failure (exit 1), nothing reaches Telegram", async () => {
    api.emulator.clearSent();
    const ntfy = await apprise("x", "apprise-wrong-1", `ntfy://apprise:wrong-token-0123456789@${host}/petrov`);
    const gotify = await apprise("x", "apprise-wrong-2", `gotify://${host}/wrong-token-0123456789`);
    expect([ntfy.code, gotify.code]).toEqual([1, 1]);
    expect(ntfy.output).toContain("401");
    expect(api.emulator.sent()).toHaveLength(0);
  }, APPRISE_TIMEOUT_MS);
});
