import { BotApiEmulator } from "../../src/emulator/bot-api.ts";
import type { BotApiEmulatorOptions, BotInit } from "../../src/emulator/types.ts";

export interface FakeBotApiOptions extends BotApiEmulatorOptions {
  /** Bots registered before the server starts. */
  bots?: BotInit[];
}

export interface FakeBotApi {
  /** Server root, e.g. http://127.0.0.1:PORT: what the config's `api_url` takes. */
  url: string;
  /** The value for the config's `api_url` (same as `url`; clients append /bot<token>/<method>). */
  apiUrl(): string;
  /** GramIO's `api.baseURL` (GramIO builds `${baseURL}${token}/${method}`). */
  baseURL: string;
  emulator: BotApiEmulator;
  close(): Promise<void>;
}

/** Serves a BotApiEmulator on a random loopback port with Bun.serve. */
export async function startFakeBotApi(options: FakeBotApiOptions = {}): Promise<FakeBotApi> {
  const { bots = [], ...emulatorOptions } = options;
  const emulator = new BotApiEmulator(emulatorOptions);
  for (const bot of bots) emulator.addBot(bot);
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    // Long polls hold a request open for up to `timeout` seconds; Bun's default idle
    // timeout (10 s) would cut them, so it is disabled.
    idleTimeout: 0,
    fetch: emulator.fetch,
  });
  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    apiUrl: () => url,
    baseURL: `${url}/bot`,
    emulator,
    close: async () => {
      await server.stop(true);
    },
  };
}
