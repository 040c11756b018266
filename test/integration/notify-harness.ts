// The gateway in-process behind a real HTTP server (bunPlatform.serve), against the fake
// Bot API, with a temp data dir whose keys.log is written before start (the real format
// the key registry replays). Shared by the notify integration tests.
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Gateway } from "../../src/gateway/app.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { Platform, Server } from "../../src/platform/platform.ts";
import { startFakeBotApi, type FakeBotApi } from "../fakes/fake-bot-api.ts";
import type { RateLimitOptions } from "../../src/emulator/types.ts";
import type { StoredEvent } from "../../src/events/types.ts";
import { bootGateway, TIME_SCALE } from "./boot-gateway.ts";

export const TOKEN = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA";
export const TOKEN_B = "222222:BBBBBBBBBBBBBBBBBBBBBBBBBBBB";
export const ERP_TOKEN = "erp-token-0123456789abcdef";
export const CI_TOKEN = "ci-token-0123456789abcdef";

/** People and the keys the bots issued them (chat id = Telegram user id for private chats). */
export const PEOPLE = {
  ivanov: { key: "48213977", chat: 5001, bot: "main" },
  petrov: { key: "51928374", chat: 5002, bot: "main" },
  sidorov: { key: "60011223", chat: 5003, bot: "main" },
  opsroom: { key: "70011223", chat: -7001, bot: "main" },
  other: { key: "80011223", chat: 5001, bot: "second" },
} as const;

export function keyLogText(): string {
  return (
    Object.entries(PEOPLE)
      .map(([name, person]) =>
        JSON.stringify({
          type: "issued",
          key: person.key,
          bot: person.bot,
          chat_id: person.chat,
          chat_type: person.chat < 0 ? "group" : "private",
          username: name,
          name,
          at: "2026-11-25T09:00:00.000Z",
        }),
      )
      .join("\n") + "\n"
  );
}

export interface NotifyConfigOptions {
  apiUrl: string;
  /** Extra YAML appended under `clients:`; null = no clients section at all. */
  clients?: string | null;
  extraUsers?: string;
  /** Extra top-level YAML (e.g. "upload_limit: 1MiB"). */
  extraConfig?: string;
  /** Bot main's poll pattern; by default one that never ticks (these tests send, people do not write). */
  poll?: string;
}

export function notifyConfig(options: NotifyConfigOptions): string {
  const clients =
    options.clients === null
      ? []
      : [
          "clients:",
          `  erp:`,
          `    token: ${ERP_TOKEN}`,
          `  ci:`,
          `    token: ${CI_TOKEN}`,
          `    allow: [ops]`,
          ...(options.clients ? [options.clients] : []),
        ];
  return [
    "listen: 127.0.0.1:0",
    "data_dir: ./data",
    ...(options.extraConfig ? [options.extraConfig] : []),
    ...clients,
    "bots:",
    "  main:",
    `    token: "${TOKEN}"`,
    `    api_url: ${options.apiUrl}`,
    `    poll: "${options.poll ?? "0 0 1 1 *"}"`,
    "  second:",
    `    token: "${TOKEN_B}"`,
    `    api_url: ${options.apiUrl}`,
    '    poll: "0 0 1 1 *"',
    "users:",
    "  ivanov: [48213977, 80011223]",
    "  petrov: 51928374",
    "  sidorov: 60011223",
    "  opsroom: 70011223",
    options.extraUsers ?? "",
    "groups:",
    "  ops: [ivanov, petrov]",
    "  all: [ops, sidorov, petrov]",
  ].join("\n") + "\n";
}

export interface NotifyHarness {
  api: FakeBotApi;
  dir: string;
  configFile: string;
  url: string;
  gateway: Gateway;
  log: ReturnType<typeof createMemoryLogger>;
  post(path: string, body?: unknown, init?: { token?: string | null; headers?: Record<string, string>; raw?: string | ReadableStream<Uint8Array> }): Promise<Response>;
  /** The notification records in outbox.log (what was accepted), not progress records. */
  outboxLines(): Promise<string[]>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  clients?: string | null;
  extraUsers?: string;
  limits?: RateLimitOptions | false;
  /** Extra lines for data_dir/keys.log. */
  keyLog?: string;
  /** Replaces the Bun platform (e.g. to deliver signals by hand). */
  platform?: Platform;
  /** Events already in data_dir/inbox.log (for reply_to): the gateway's own inbox replays them. */
  events?: StoredEvent[];
  /** The fake Bot API's clock (ms): message dates, Telegram's 48 h to delete. Default Date.now. */
  telegramNow?: () => number;
  /** Extra top-level config YAML (e.g. "upload_limit: 1MiB"). */
  extraConfig?: string;
  /** Bot main's poll pattern (notifyConfig). */
  poll?: string;
}

export async function startNotifyHarness(options: HarnessOptions = {}): Promise<NotifyHarness> {
  const api = await startFakeBotApi({
    bots: [
      { token: TOKEN, id: 111111, username: "signal_bot", first_name: "Signal" },
      { token: TOKEN_B, id: 222222, username: "other_bot", first_name: "Other" },
    ],
    limits: options.limits,
    timeScale: TIME_SCALE,
    ...(options.telegramNow && { now: options.telegramNow }),
  });
  for (const person of Object.values(PEOPLE)) {
    const token = person.bot === "main" ? TOKEN : TOKEN_B;
    api.emulator.addChat(token, person.chat < 0 ? { id: person.chat, type: "group", title: "Ops room" } : { id: person.chat, type: "private", first_name: "P" });
  }
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-notify-"));
  await mkdir(join(dir, "data"));
  await writeFile(join(dir, "data", "keys.log"), keyLogText() + (options.keyLog ?? ""));
  if (options.events) await writeFile(join(dir, "data", "inbox.log"), options.events.map(inboxLine).join(""));
  const configFile = join(dir, "config.yaml");
  await writeFile(configFile, notifyConfig({ apiUrl: api.url, clients: options.clients, extraUsers: options.extraUsers, extraConfig: options.extraConfig, poll: options.poll }));
  const log = createMemoryLogger("info");
  let server: Server;
  const harness = { api, dir, configFile, log } as NotifyHarness;
  const boot = async () => {
    const platform = options.platform ?? bunPlatform;
    const gateway = await bootGateway(configFile, { platform, log });
    server = await bunPlatform.serve({ hostname: "127.0.0.1", port: 0, handler: gateway.router.handle });
    harness.gateway = gateway;
    harness.url = `http://127.0.0.1:${server.port}`;
  };
  const shutdown = async () => {
    await server.stop();
    await harness.gateway.stop();
  };
  await boot();
  harness.post = (path, body, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    const token = init.token === undefined ? ERP_TOKEN : init.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    let payload = init.raw;
    if (payload === undefined && body !== undefined) {
      payload = JSON.stringify(body);
      headers["Content-Type"] ??= "application/json";
    }
    return fetch(harness.url + path, { method: "POST", headers, body: payload });
  };
  // Accepted notifications only: an accept is on disk before its answer, while progress
  // records of earlier deliveries ("sent", "failed") may still land at any moment.
  harness.outboxLines = async () => {
    const text = await readFile(join(dir, "data", "outbox.log"), "utf8").catch(() => "");
    return text.split("\n").filter((line) => line !== "" && (JSON.parse(line) as { t?: string }).t === "n");
  };
  harness.restart = async () => {
    await shutdown();
    await boot();
  };
  harness.close = async () => {
    await shutdown();
    await api.close();
    await rm(dir, { recursive: true, force: true });
  };
  return harness;
}

/** A response body for assertions (tests check shapes with expect, not the type system). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const jsonOf = (res: Response): Promise<any> => res.json();

/** An event as an inbox.log line (src/events/inbox-records.ts), its update numbered after its id. */
function inboxLine({ event, fileIds }: StoredEvent): string {
  return JSON.stringify({ t: "event", event, source: { bot: event.bot, bot_id: 111111, update_id: Number(event.id) }, file_ids: fileIds }) + "\n";
}
