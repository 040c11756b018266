// Runs the real gateway (createGateway + addComponents, as `serve` does) in-process
// against the fake Bot API, with a temp data dir; or `bun src/main.ts serve` as a
// subprocess for restart, kill and two-instance scenarios.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Gateway } from "../../src/gateway/app.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { startFakeBotApi, type FakeBotApi } from "../fakes/fake-bot-api.ts";
import { bootGateway, TIME_SCALE, timeScaleEnv } from "./boot-gateway.ts";
import { BUN_COMMAND, runCommand } from "./serve-process.ts";

export const TOKEN = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA";
export const TOKEN_B = "222222:BBBBBBBBBBBBBBBBBBBBBBBBBBBB";
export const BOT = { token: TOKEN, id: 111111, username: "signal_bot", first_name: "Signal", description: "Notifications from the ERP" };
export const BOT_B = { token: TOKEN_B, id: 222222, username: "other_bot", first_name: "Other" };

export interface BotYaml {
  id: string;
  token: string;
  extra?: string;
  poll?: string;
}

export function configYaml(apiUrl: string, bots: BotYaml[], users = ""): string {
  const botLines = bots.flatMap((bot) => [
    `  ${bot.id}:`,
    `    token: "${bot.token}"`,
    `    poll: "${bot.poll ?? "* * * * * *"}"`,
    `    api_url: ${apiUrl}`,
    ...(bot.extra ? bot.extra.split("\n").map((line) => `    ${line}`) : []),
  ]);
  return ["listen: 127.0.0.1:0", "data_dir: ./data", "bots:", ...botLines, users].join("\n") + "\n";
}

export interface Harness {
  api: FakeBotApi;
  dir: string;
  configFile: string;
  log: ReturnType<typeof createMemoryLogger>;
  gateway?: Gateway;
  start(): Promise<Gateway>;
  stopGateway(): Promise<void>;
  writeConfig(text: string): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Telegram's second as a fraction of a real one, for the gateway and the fake alike. */
  timeScale?: number;
}

export async function createHarness(bots: BotYaml[] = [{ id: "main", token: TOKEN }], users = "", options: HarnessOptions = {}): Promise<Harness> {
  const timeScale = options.timeScale ?? TIME_SCALE;
  const api = await startFakeBotApi({ bots: [BOT, BOT_B], timeScale });
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-inbound-"));
  const configFile = join(dir, "config.yaml");
  await writeFile(configFile, configYaml(api.url, bots, users));
  const log = createMemoryLogger("info");
  const harness: Harness = {
    api,
    dir,
    configFile,
    log,
    async start() {
      const gateway = await bootGateway(configFile, { platform: bunPlatform, log, timeScale });
      harness.gateway = gateway;
      return gateway;
    },
    async stopGateway() {
      await harness.gateway?.stop();
      harness.gateway = undefined;
    },
    async writeConfig(text) {
      await writeFile(configFile, text);
      await harness.gateway?.store.reload("test");
    },
    async close() {
      await harness.stopGateway();
      await api.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The person writes `text`; resolves with the bot's reply to that chat. */
export async function ask(
  api: FakeBotApi,
  text: string,
  options: { token?: string; from?: { id: number; first_name: string; username?: string; language_code?: string }; chat?: { id: number; type: "group" | "supergroup"; title: string }; timeoutMs?: number } = {},
): Promise<string> {
  const token = options.token ?? TOKEN;
  const from = options.from ?? { id: 5001, first_name: "Ivan", username: "ivan", language_code: "en" };
  const chatId = options.chat?.id ?? from.id;
  const before = api.emulator.sent(token).filter((m) => m.chat_id === chatId).length;
  api.emulator.userWrites({ token, from, text, ...(options.chat ? { chat: options.chat } : {}) });
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    const replies = api.emulator.sent(token).filter((m) => m.chat_id === chatId);
    if (replies.length > before) return replies[before]!.text;
    if (Date.now() > deadline) throw new Error(`no reply to ${JSON.stringify(text)} within ${options.timeoutMs ?? 5000} ms`);
    await Bun.sleep(10);
  }
}

export function keyIn(text: string): string {
  const match = /\b([1-9]\d{7})\b/.exec(text);
  if (!match) throw new Error(`no key in reply: ${text}`);
  return match[1]!;
}

export const MAIN_TS = resolve(import.meta.dir, "../../src/main.ts");

export function spawnServe(configFile: string): ReturnType<typeof Bun.spawn> {
  return runCommand(BUN_COMMAND, ["serve", "-c", configFile], { TGSIGNAL_LOG: "info", ...timeScaleEnv() });
}

/** Waits until `predicate` holds, polling every 10 ms. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}
