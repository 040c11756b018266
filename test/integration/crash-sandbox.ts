// The setting of the kill -9 tests that run `tgsignal serve` as a subprocess: a fake Bot
// API with one bot and a private chat per person, a data dir whose keys.log issued each
// person's key, and a config with one client and the people as users.
import { afterEach } from "bun:test";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startFakeBotApi, type FakeBotApi } from "../fakes/fake-bot-api.ts";
import { tempDir, writeConfig, type ServeProcess } from "./serve-process.ts";

export const CRASH_BOT_TOKEN = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA";

export interface CrashPerson {
  user: string;
  chat: number;
  key: string;
}

export interface CrashSandboxOptions {
  /** Temp dir name prefix. */
  prefix: string;
  people: readonly CrashPerson[];
  clientToken: string;
  /** Telegram's second in the fake (the server gets the same through TGSIGNAL_TIME_SCALE). */
  timeScale: number;
}

export interface CrashSandbox {
  api: FakeBotApi;
  dir: string;
  configFile: string;
}

export async function startCrashSandbox(options: CrashSandboxOptions): Promise<CrashSandbox> {
  const api = await startFakeBotApi({ bots: [{ token: CRASH_BOT_TOKEN, id: 111111, username: "signal_bot", first_name: "Signal" }], timeScale: options.timeScale });
  for (const { chat } of options.people) api.emulator.addChat(CRASH_BOT_TOKEN, { id: chat, type: "private", first_name: `U${chat}` });
  const dir = await tempDir(options.prefix);
  await mkdir(join(dir, "data"));
  const keyLog = options.people.map(({ chat, key }) =>
    JSON.stringify({ type: "issued", key, bot: "main", chat_id: chat, chat_type: "private", username: null, name: `U${chat}`, at: "2026-11-25T09:00:00.000Z" }),
  );
  await writeFile(join(dir, "data", "keys.log"), keyLog.join("\n") + "\n");
  const config = [
    "listen: 127.0.0.1:0",
    "data_dir: ./data",
    "clients:",
    "  test:",
    `    token: ${options.clientToken}`,
    "bots:",
    "  main:",
    `    token: "${CRASH_BOT_TOKEN}"`,
    `    api_url: ${api.url}`,
    '    poll: "0 0 1 1 *"',
    "users:",
    ...options.people.map(({ user, key }) => `  ${user}: ${key}`),
  ];
  return { api, dir, configFile: await writeConfig(dir, config.join("\n") + "\n") };
}

/** After each test: its `serve` killed if still running, the fake Bot API closed, the data dir removed. */
export function cleanUpAfterEach(current: () => { api?: FakeBotApi; serve?: ServeProcess; dir?: string }): void {
  afterEach(async () => {
    const { api, serve, dir } = current();
    if (serve && serve.proc.exitCode === null) await serve.kill("SIGKILL");
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
}
