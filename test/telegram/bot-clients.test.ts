import { describe, expect, test } from "bun:test";
import { MetricsRegistry } from "../../src/lib/metrics.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { BotClient } from "../../src/telegram/bot-client.ts";
import { BotClients } from "../../src/telegram/bot-clients.ts";
import { transportTiming } from "../../src/telegram/timing.ts";
import { load } from "../config/helpers.ts";
import { FakeClock } from "../fakes/fake-clock.ts";

const config = (main: string, extra = "") =>
  load(`bots:\n  main: { token: "${main}" }\n  other: { token: "2:other" ${extra} }\n`);

describe("BotClients", () => {
  test("follows the config: a new client (and GramIO bot) on a token change keeps the rate limiter; disabled bots are dropped", () => {
    const clients = new BotClients({ platform: bunPlatform, clock: new FakeClock(), metrics: new MetricsRegistry() });
    clients.apply(config("1:first"));
    const first = clients.get("main")!;
    const other = clients.get("other")!;

    clients.apply(config("1:first", ", title: Renamed"));
    // Nothing about the connection changed: the same client, with the new config.
    expect(clients.get("other")).toBe(other);
    expect(other.config.title).toBe("Renamed");
    expect(clients.get("main")).toBe(first);

    clients.apply(config("1:second"));
    const second = clients.get("main")!;
    expect(second).not.toBe(first);
    expect(second.bot).not.toBe(first.bot);
    expect(second.config.token).toBe("1:second");
    // Telegram's limits follow the bot, not the token: the limiter carries over.
    expect(second.limiter).toBe(first.limiter);

    clients.apply(config("1:second", ", enabled: false"));
    expect(clients.get("other")).toBeUndefined();
    expect(clients.all().map((client) => client.config.id)).toEqual(["main"]);
  });

  test("onClient sets up every client once: those there now and each one built later", () => {
    const clients = new BotClients({ platform: bunPlatform, clock: new FakeClock(), metrics: new MetricsRegistry() });
    clients.apply(config("1:first"));
    const setUp: BotClient[] = [];
    clients.onClient((client) => setUp.push(client));
    expect(setUp.map((client) => client.config.id)).toEqual(["main", "other"]);
    clients.apply(config("1:first", ", title: Renamed"));
    expect(setUp).toHaveLength(2);
    clients.apply(config("1:second"));
    expect(setUp.at(-1)).toBe(clients.get("main")!);
    expect(setUp).toHaveLength(3);
  });

  test("a scaled timing reaches the limiters", () => {
    const timing = transportTiming(0.1);
    const clients = new BotClients({ platform: bunPlatform, clock: new FakeClock(), metrics: new MetricsRegistry(), timing });
    clients.apply(config("1:first"));
    expect(clients.timing).toBe(timing);
    expect(clients.get("main")!.limiter.limits).toBe(timing.limits);
  });
});
