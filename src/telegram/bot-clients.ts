// One BotClient per enabled bot, kept in step with the config. The rate limiter survives
// token/api_url changes of the same bot id, since Telegram's limits follow the bot. Used
// by the inbound side (polling, replies) and the outbound side (delivery).
import type { Clock } from "../lib/clock.ts";
import type { BotConfig, Config } from "../config/types.ts";
import type { MetricsRegistry } from "../lib/metrics.ts";
import type { Platform } from "../platform/platform.ts";
import { createGramioBot, createTelegramApi } from "./api.ts";
import { BotClient, type BotClientEvents } from "./bot-client.ts";
import { RateLimiter } from "./rate-limit.ts";
import { TELEGRAM_TIMING, type TransportTiming } from "./timing.ts";
import { UploadSlots } from "./upload-slots.ts";

export interface BotClientsOptions {
  platform: Platform;
  clock: Clock;
  metrics: MetricsRegistry;
  /** Telegram's numbers unless a test runs the transport faster. */
  timing?: TransportTiming;
}

export class BotClients {
  readonly timing: TransportTiming;
  readonly #clients = new Map<string, BotClient>();
  readonly #limiters = new Map<string, RateLimiter>();
  readonly #setups: Array<(client: BotClient) => void> = [];
  /** File uploads at once, across every bot: each holds its whole request in memory. */
  readonly #uploads = new UploadSlots();
  readonly #metrics;

  constructor(private readonly options: BotClientsOptions) {
    this.timing = options.timing ?? TELEGRAM_TIMING;
    this.#metrics = transportMetrics(options.metrics);
  }

  /** The client for an enabled bot, or undefined (unknown or disabled). */
  get(botId: string): BotClient | undefined {
    return this.#clients.get(botId);
  }

  all(): BotClient[] {
    return [...this.#clients.values()];
  }

  /** Runs `setup` for every client, those there now and each one built later (a new bot or token). */
  onClient(setup: (client: BotClient) => void): void {
    this.#setups.push(setup);
    for (const client of this.#clients.values()) setup(client);
  }

  /** Rebuilds clients whose connection settings changed; drops removed or disabled bots. */
  apply(config: Config): void {
    for (const id of this.#clients.keys()) {
      const bot = config.bots.get(id);
      if (!bot || !bot.enabled) this.#clients.delete(id);
    }
    for (const bot of config.bots.values()) {
      if (!bot.enabled) continue;
      const existing = this.#clients.get(bot.id);
      if (existing && sameConnection(existing.config, bot)) {
        existing.config = bot;
        continue;
      }
      const client = this.#create(bot);
      this.#clients.set(bot.id, client);
      for (const setup of this.#setups) setup(client);
    }
  }

  #create(config: BotConfig): BotClient {
    const { clock, platform } = this.options;
    let limiter = this.#limiters.get(config.id);
    // A new limiter knows nothing of what Telegram counted before (a restart): it starts conservatively.
    if (!limiter) this.#limiters.set(config.id, (limiter = new RateLimiter(clock, this.timing.limits, { spentAt: clock.now() })));
    const bot = createGramioBot({ token: config.token, apiUrl: config.apiUrl, proxy: config.proxy ? platform.proxyFetchOptions(config.proxy) : undefined });
    const api = createTelegramApi(bot, {
      clock,
      timeoutMs: this.timing.callTimeoutMs,
      pollMarginMs: this.timing.pollMarginMs,
      onCall: (method, code, ms) => this.#metrics.call(config.id, method, code, ms),
      openFile: (path) => platform.openBlob(path),
    });
    return new BotClient(config, { bot, api, limiter, clock, secondMs: this.timing.secondMs, events: this.#metrics.events(config.id), uploads: this.#uploads });
  }
}

export function sameConnection(a: BotConfig, b: BotConfig): boolean {
  return a.token === b.token && a.apiUrl === b.apiUrl && a.proxy === b.proxy;
}

function transportMetrics(metrics: MetricsRegistry) {
  const calls = metrics.counter("tgsignal_telegram_api_calls_total", "Bot API calls by bot, method and result code.");
  const seconds = metrics.histogram("tgsignal_telegram_api_duration_seconds", "Bot API call latency by method.", [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  const waits = metrics.counter("tgsignal_rate_limit_waits_total", "Sends that waited for the bot's rate limiter.");
  const waitSeconds = metrics.counter("tgsignal_rate_limit_wait_seconds_total", "Time sends spent waiting for the rate limiter.");
  const tooMany = metrics.counter("tgsignal_telegram_429_total", "429 Too Many Requests answers from Telegram.");
  return {
    call(bot: string, method: string, code: string, ms: number) {
      calls.inc({ bot, method, code });
      seconds.observe(ms / 1000, { method });
    },
    events: (bot: string): BotClientEvents => ({
      waited(ms) {
        waits.inc({ bot });
        waitSeconds.inc({ bot }, ms / 1000);
      },
      rateLimited: () => tooMany.inc({ bot }),
    }),
  };
}
