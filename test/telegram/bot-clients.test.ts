import { describe, expect, test } from "bun:test";
import type { BotConfig } from "../../src/config/types.ts";
import { MetricsRegistry } from "../../src/lib/metrics.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { BotClients } from "../../src/telegram/bot-clients.ts";
import type { TelegramApi } from "../../src/telegram/api.ts";
import { load } from "../config/helpers.ts";
import { FakeClock } from "../fakes/fake-clock.ts";

const config = (main: string, extra = "") =>
  load(`bots:\n  main: { token: "${main}" }\n  other: { token: "2:other" ${extra} }\n`);

describe("BotClients", () => {
  test("follows the config: rebuilds a client on a token change, keeps its rate limiter, drops disabled bots", () => {
    const built: string[] = [];
    const clients = new BotClients({
      platform: bunPlatform,
      clock: new FakeClock(),
      metrics: new MetricsRegistry(),
      createApi: (bot: BotConfig) => {
        built.push(`${bot.id}:${bot.token}`);
        return {} as TelegramApi;
      },
    });
    clients.apply(config("1:first"));
    const first = clients.get("main")!;
    expect(built).toEqual(["main:1:first", "other:2:other"]);

    clients.apply(config("1:first", ", title: Renamed"));
    expect(built).toHaveLength(2); // nothing about the connection changed
    expect(clients.get("other")!.config.title).toBe("Renamed");

    clients.apply(config("1:second"));
    const second = clients.get("main")!;
    expect(built.at(-1)).toBe("main:1:second");
    expect(second.api).not.toBe(first.api);
    // Telegram's limits follow the bot, not the token: the limiter carries over.
    expect(second.limiter).toBe(first.limiter);

    clients.apply(config("1:second", ", enabled: false"));
    expect(clients.get("other")).toBeUndefined();
    expect(clients.all().map((client) => client.config.id)).toEqual(["main"]);
  });
});
