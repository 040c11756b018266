import { BotApiEmulator } from "../../src/emulator/bot-api.ts";
import { parseRoute } from "../../src/emulator/routes.ts";
import type { BotApiEmulatorOptions, BotInit } from "../../src/emulator/types.ts";

export interface FakeBotApiOptions extends BotApiEmulatorOptions {
  /** Bots registered before the server starts. */
  bots?: BotInit[];
}

/** One request as the server saw it: when it came, and whether the client gave up on it. */
export interface SeenRequest {
  /**
   * The Bot API method ("sendMessage"), or "downloadFile" for `GET /file/bot<token>/<path>`
   * (the name of the Telegram port's call; the Bot API has no such method). "" for other paths.
   */
  method: string;
  token: string;
  /** For "downloadFile": the file_path asked for. */
  file_path?: string;
  /** Date.now() when it arrived. */
  at: number;
  /** The client closed the connection before the answer (an aborted fetch). */
  aborted: boolean;
  /** The HTTP status answered (0 until then), e.g. 409 for a getUpdates ended by a newer one. */
  status: number;
}

export interface FakeBotApi {
  /** Server root, e.g. http://127.0.0.1:PORT: what the config's `api_url` takes. */
  url: string;
  /** The value for the config's `api_url` (same as `url`; clients append /bot<token>/<method>). */
  apiUrl(): string;
  /** GramIO's `api.baseURL` (GramIO builds `${baseURL}${token}/${method}`). */
  baseURL: string;
  emulator: BotApiEmulator;
  /** Every request so far, oldest first, optionally of one method (and token). */
  requests(method?: string, token?: string): SeenRequest[];
  close(): Promise<void>;
}

/** Serves a BotApiEmulator on a random loopback port with Bun.serve. */
export async function startFakeBotApi(options: FakeBotApiOptions = {}): Promise<FakeBotApi> {
  const { bots = [], ...emulatorOptions } = options;
  const emulator = new BotApiEmulator(emulatorOptions);
  for (const bot of bots) emulator.addBot(bot);
  const seen: SeenRequest[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    // Long polls hold a request open for up to `timeout` seconds; Bun's default idle
    // timeout (10 s) would cut them, so it is disabled.
    idleTimeout: 0,
    async fetch(req) {
      const request = seenRequest(new URL(req.url).pathname);
      seen.push(request);
      const onAbort = () => (request.aborted = true);
      req.signal.addEventListener("abort", onAbort, { once: true });
      try {
        const response = await emulator.fetch(req);
        request.status = response.status;
        return response;
      } finally {
        req.signal.removeEventListener("abort", onAbort);
      }
    },
  });
  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    apiUrl: () => url,
    baseURL: `${url}/bot`,
    emulator,
    requests: (method, token) => seen.filter((r) => (method === undefined || r.method === method) && (token === undefined || r.token === token)),
    close: async () => {
      await server.stop(true);
    },
  };
}

function seenRequest(pathname: string): SeenRequest {
  const route = parseRoute(pathname);
  const base = { at: Date.now(), aborted: false, status: 0 };
  if (route?.kind === "method") return { ...base, method: route.method, token: route.token };
  if (route?.kind === "file") return { ...base, method: "downloadFile", token: route.token, file_path: route.path };
  return { ...base, method: "", token: "" };
}
