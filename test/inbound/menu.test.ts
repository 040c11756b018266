// The commands menu: what is published (configured commands and the built-ins, English by
// default and Russian for language_code "ru"), when (at start, on change, never twice for
// the same), and a failure that is logged and retried at the next sync.
import { expect, test } from "bun:test";
import type { BotConfig } from "../../src/config/types.ts";
import { buildMenu, MenuPublisher, type MenuClient } from "../../src/inbound/menu.ts";
import { TelegramApiError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import type { SetMyCommandsParams } from "../../src/telegram/api.ts";
import { classifyFailure } from "../../src/telegram/outcome.ts";
import { load } from "../config/helpers.ts";

const bot = (extra = "", token = "1:test"): BotConfig => load(`bots:\n  main:\n    token: "${token}"\n${extra}`).bots.get("main")!;
const TASKS = `    commands: { tasks: "Мои задачи", report: "Отчёт за день" }\n`;

test("the menu: configured commands, then /key, /stop, /help; English by default, Russian for ru", () => {
  expect(buildMenu(bot(TASKS))).toEqual([
    {
      commands: [
        { command: "tasks", description: "Мои задачи" },
        { command: "report", description: "Отчёт за день" },
        { command: "key", description: "Get your notification key" },
        { command: "stop", description: "Stop notifications" },
        { command: "help", description: "Help" },
      ],
    },
    {
      language_code: "ru",
      commands: [
        { command: "tasks", description: "Мои задачи" },
        { command: "report", description: "Отчёт за день" },
        { command: "key", description: "Получить ключ для уведомлений" },
        { command: "stop", description: "Отказаться от уведомлений" },
        { command: "help", description: "Помощь" },
      ],
    },
  ]);
});

test("texts override the built-ins' descriptions (an emptied one falls back); a bot fixed to Russian shows Russian in both", () => {
  const [english, russian] = buildMenu(bot(`    texts: { menu_key: "Ключ для 1С", menu_help: " " }\n`));
  expect(english!.commands.map((c) => c.description)).toEqual(["Ключ для 1С", "Stop notifications", "Help"]);
  expect(russian!.commands.map((c) => c.description)).toEqual(["Ключ для 1С", "Отказаться от уведомлений", "Помощь"]);
  const fixed = buildMenu(bot(`    language: ru\n`));
  expect(fixed.map((scope) => scope.commands[0]!.description)).toEqual(["Получить ключ для уведомлений", "Получить ключ для уведомлений"]);
});

function fakeClient(config: BotConfig, refuse?: (call: number) => Error | undefined) {
  const calls: SetMyCommandsParams[] = [];
  const client: MenuClient = {
    config,
    async setCommands(params) {
      calls.push(params);
      const error = refuse?.(calls.length);
      return error ? classifyFailure(error) : { kind: "ok", value: true };
    },
  };
  return { client, calls };
}

test("published at start (both scopes), skipped when nothing changed, published again when commands or texts change", async () => {
  const log = createMemoryLogger();
  const menus = new MenuPublisher(log);
  const { client, calls } = fakeClient(bot(TASKS));
  await menus.sync(client);
  expect(calls.map((call) => call.language_code ?? "default")).toEqual(["default", "ru"]);
  // A reload that changes something else (the poll pattern, another text).
  client.config = bot(`${TASKS}    poll: "*/5 * * * *"\n    texts: { start: "Hi" }\n`);
  await menus.sync(client);
  expect(calls).toHaveLength(2);
  client.config = bot(`    commands: { tasks: "Задачи" }\n`);
  await menus.sync(client);
  expect(calls).toHaveLength(4);
  expect(calls[2]!.commands[0]).toEqual({ command: "tasks", description: "Задачи" });
  client.config = bot(`    commands: { tasks: "Задачи" }\n    texts: { menu_stop: "Хватит" }\n`);
  await menus.sync(client);
  expect(calls).toHaveLength(6);
  // Another Telegram bot behind the same id (a new token) gets its menu.
  client.config = bot(`    commands: { tasks: "Задачи" }\n    texts: { menu_stop: "Хватит" }\n`, "2:other");
  await menus.sync(client);
  expect(calls).toHaveLength(8);
});

test("a failure is logged, never thrown, and retried at the next sync even without a change", async () => {
  const log = createMemoryLogger();
  const menus = new MenuPublisher(log);
  const { client, calls } = fakeClient(bot(TASKS), (call) => (call === 2 ? new TelegramApiError("setMyCommands", 400, "Bad Request: BOT_COMMAND_INVALID") : undefined));
  await menus.sync(client);
  expect(log.lines.some((line) => line.includes("commands menu not published") && line.includes("language=ru") && line.includes("BOT_COMMAND_INVALID"))).toBe(true);
  await menus.sync(client);
  expect(calls.map((call) => call.language_code ?? "default")).toEqual(["default", "ru", "default", "ru"]);
  await menus.sync(client);
  expect(calls).toHaveLength(4);
});

test("syncs that overlap (a reload during start) publish once, in order", async () => {
  const menus = new MenuPublisher(createMemoryLogger());
  const { client, calls } = fakeClient(bot(TASKS));
  await Promise.all([menus.sync(client), menus.sync(client), menus.sync(client)]);
  expect(calls).toHaveLength(2);
});
