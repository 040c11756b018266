// bots.<id>.proxy: every Bot API call of that bot (polling, key replies, notifications)
// goes through the proxy; other bots go direct.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startFakeBotApi, type FakeBotApi } from "../fakes/fake-bot-api.ts";
import { startHttpProxy, type FakeProxy } from "../fakes/http-proxy.ts";
import { BUN_COMMAND, DENO, ROOT, startServe, tempDir, type ServeCommand, type ServeProcess } from "./serve-process.ts";

const PROXIED = "111222333:AAproxiedBotTokenForTheProxyTest00001";
const DIRECT = "444555666:AAdirectBotTokenForTheProxyTest000001";
// Bun passes `proxy` to fetch; Deno needs an HTTP client: both paths are exercised.
const RUNTIMES: Record<string, ServeCommand> = {
  bun: BUN_COMMAND,
  deno: { argv: [DENO, "run", "-A", join(ROOT, "src/main.ts")] },
};

describe.each(Object.keys(RUNTIMES))("proxy on %s", (runtime) => {
  let api: FakeBotApi;
  let proxy: FakeProxy;
  let server: ServeProcess;
  let configFile = "";

  beforeAll(async () => {
    api = await startFakeBotApi({
      bots: [
        { token: PROXIED, id: 111222333, username: "proxied_bot", first_name: "Proxied" },
        { token: DIRECT, id: 444555666, username: "direct_bot", first_name: "Direct" },
      ],
    });
    proxy = await startHttpProxy();
    const dir = await tempDir("tgs-proxy-");
    configFile = join(dir, "config.yaml");
    await writeFile(
      configFile,
      [
        "listen: 127.0.0.1:0",
        "bots:",
        `  proxied: { token: "${PROXIED}", api_url: ${api.url}, proxy: ${proxy.url}, poll: "* * * * * *", language: en }`,
        `  direct: { token: "${DIRECT}", api_url: ${api.url}, poll: "* * * * * *", language: en }`,
        "users:",
        "",
      ].join("\n"),
    );
    server = await startServe(configFile, { command: RUNTIMES[runtime]!, timeoutMs: 30_000 });
  });
  afterAll(async () => {
    await server.kill("SIGTERM");
    await proxy.close();
    await api.close();
  });

  test("a bot with a proxy polls, replies and delivers through it; the other bot does not", async () => {
    api.emulator.userWrites({ token: PROXIED, from: { id: 9001, first_name: "Ann" }, text: "/key" });
    const reply = await api.emulator.waitForSent((m) => m.token === PROXIED && m.chat_id === 9001, 10_000);
    const key = /\d{8}/.exec(reply.plain_text)![0];
    api.emulator.userWrites({ token: DIRECT, from: { id: 9002, first_name: "Bob" }, text: "/key" });
    await api.emulator.waitForSent((m) => m.token === DIRECT && m.chat_id === 9002, 10_000);

    await appendFile(configFile, `  ann: ${key}\n`);
    await server.waitForOutput(/config reloaded/, 5000);
    const res = await fetch(`${server.url}/notify`, { method: "POST", body: new URLSearchParams({ to: "ann", text: "via proxy" }) });
    expect(res.status).toBe(200);

    const methods = (token: string) => proxy.requests.filter((path) => path.includes(token)).map((path) => path.split("/").pop());
    expect(methods(PROXIED)).toContain("getUpdates");
    expect(methods(PROXIED).filter((m) => m === "sendMessage").length).toBe(2); // key reply + notification
    expect(methods(DIRECT)).toEqual([]);
  });
});
