// One Telegram client and one rate limiter per configured bot, kept in step with the
// config. The limiter survives token/api_url changes of the same bot id, since Telegram's
// limits follow the bot. Used by the inbound side (replies) and the outbound side.
import type { Clock } from "../lib/clock.ts";
import type { BotConfig, Config } from "../config/types.ts";
import type { MetricsRegistry } from "../http/metrics.ts";
import type { Platform } from "../platform/platform.ts";
import { RateLimiter, TELEGRAM_LIMITS, type RateLimits } from "./rate-limit.ts";
import { createGramioBot, createTelegramApi, type TelegramApi } from "./api.ts";

export interface BotClient {
  readonly config: BotConfig;
  readonly api: TelegramApi;
  readonly limiter: RateLimiter;
}

export interface BotClientsOptions {
  platform: Platform;
  clock: Clock;
  metrics: MetricsRegistry;
  limits?: RateLimits;
  /** Replaces the GramIO adapter (unit tests hand in an in-memory fake). */
  createApi?: (bot: BotConfig) => TelegramApi;
}

export class BotClients {
  readonly #clients = new Map<string, BotClient>();
  readonly #limiters = new Map<string, RateLimiter>();
  readonly #apiCalls;
  readonly #apiSeconds;

  constructor(private readonly options: BotClientsOptions) {
    this.#apiCalls = options.metrics.counter("tgsignal_telegram_api_calls_total", "Bot API calls by bot, method and result code.");
    this.#apiSeconds = options.metrics.histogram(
      "tgsignal_telegram_api_duration_seconds",
      "Bot API call latency by method.",
      [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
  }

  /** The client for an enabled bot, or undefined (unknown or disabled). */
  get(botId: string): BotClient | undefined {
    return this.#clients.get(botId);
  }

  all(): BotClient[] {
    return [...this.#clients.values()];
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
        this.#clients.set(bot.id, { ...existing, config: bot });
        continue;
      }
      this.#clients.set(bot.id, { config: bot, api: this.#createApi(bot), limiter: this.#limiter(bot.id) });
    }
  }

  #limiter(botId: string): RateLimiter {
    let limiter = this.#limiters.get(botId);
    if (!limiter) {
      limiter = new RateLimiter(this.options.clock, this.options.limits ?? TELEGRAM_LIMITS);
      this.#limiters.set(botId, limiter);
    }
    return limiter;
  }

  #createApi(bot: BotConfig): TelegramApi {
    if (this.options.createApi) return this.options.createApi(bot);
    const fetchOptions = bot.proxy ? this.options.platform.proxyFetchOptions(bot.proxy) : undefined;
    const gramio = createGramioBot({ token: bot.token, apiUrl: bot.apiUrl, fetchOptions });
    return createTelegramApi(gramio, {
      token: bot.token,
      apiUrl: bot.apiUrl,
      fetchOptions,
      onCall: (method, code, ms) => {
        this.#apiCalls.inc({ bot: bot.id, method, code });
        this.#apiSeconds.observe(ms / 1000, { method });
      },
    });
  }
}

export function sameConnection(a: BotConfig, b: BotConfig): boolean {
  return a.token === b.token && a.apiUrl === b.apiUrl && a.proxy === b.proxy;
}
