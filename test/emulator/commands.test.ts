import { describe, expect, test } from "bun:test";
import { call, makeEmulator, ok, TOKEN } from "./emulator-helpers.ts";

const MENU = [{ command: "tasks", description: "My tasks" }, { command: "help", description: "Help" }];
const RU = [{ command: "tasks", description: "Мои задачи" }];

describe("setMyCommands / getMyCommands / deleteMyCommands", () => {
  test("menus are kept per language_code; get answers exactly that list", async () => {
    const emulator = makeEmulator();
    expect(await ok<unknown>(emulator, "getMyCommands")).toEqual([]);
    expect(await call(emulator, "setMyCommands", { commands: MENU })).toEqual({ status: 200, body: { ok: true, result: true } });
    await ok(emulator, "setMyCommands", { commands: JSON.stringify(RU), language_code: "ru" });
    expect(await ok<unknown>(emulator, "getMyCommands")).toEqual(MENU);
    expect(await ok<unknown>(emulator, "getMyCommands", { language_code: "ru" })).toEqual(RU);
    expect(await ok<unknown>(emulator, "getMyCommands", { language_code: "de" })).toEqual([]);
    expect(emulator.commands(TOKEN)).toEqual(MENU);
    expect(emulator.commands(TOKEN, "ru")).toEqual(RU);

    await ok(emulator, "deleteMyCommands", { language_code: "ru" });
    expect(emulator.commands(TOKEN, "ru")).toEqual([]);
    expect(emulator.commands(TOKEN)).toEqual(MENU);
  });

  test("scopes are separate lists; the default scope is what no scope means", async () => {
    const emulator = makeEmulator();
    await ok(emulator, "setMyCommands", { commands: MENU, scope: { type: "default" } });
    await ok(emulator, "setMyCommands", { commands: RU, scope: { type: "chat", chat_id: 42 } });
    expect(await ok<unknown>(emulator, "getMyCommands")).toEqual(MENU);
    expect(await ok<unknown>(emulator, "getMyCommands", { scope: { type: "chat", chat_id: 42 } })).toEqual(RU);
    expect(emulator.commands(TOKEN, "", "chat:42")).toEqual(RU);
  });

  test("commands are trimmed and lose a leading slash; a missing list clears the menu", async () => {
    const emulator = makeEmulator();
    await ok(emulator, "setMyCommands", { commands: [{ command: " /tasks ", description: "  My tasks " }] });
    expect(emulator.commands(TOKEN)).toEqual([{ command: "tasks", description: "My tasks" }]);
    await ok(emulator, "setMyCommands", {});
    expect(emulator.commands(TOKEN)).toEqual([]);
  });

  test("invalid menus get Telegram's errors and change nothing", async () => {
    const emulator = makeEmulator();
    await ok(emulator, "setMyCommands", { commands: MENU });
    const set = (commands: unknown, extra: Record<string, unknown> = {}) => call(emulator, "setMyCommands", { commands, ...extra });
    const cases: Array<[unknown, string]> = [
      [[{ command: "Tasks", description: "x" }], "Bad Request: BOT_COMMAND_INVALID"],
      [[{ command: "my tasks", description: "x" }], "Bad Request: BOT_COMMAND_INVALID"],
      [[{ command: "задачи", description: "x" }], "Bad Request: BOT_COMMAND_INVALID"],
      [[{ command: "", description: "x" }], "Bad Request: command must be non-empty"],
      [[{ command: "a".repeat(33), description: "x" }], "Bad Request: command length must not exceed 32"],
      [[{ command: "tasks", description: " " }], "Bad Request: command description must be non-empty"],
      [[{ command: "tasks", description: "ж".repeat(257) }], "Bad Request: command description length must not exceed 256"],
      [[{ command: "tasks" }], `Bad Request: can't parse BotCommand: Can't find field "description"`],
      [Array.from({ length: 101 }, (_, i) => ({ command: `c${i}`, description: "x" })), "Bad Request: BOT_COMMANDS_TOO_MUCH"],
      ["{oops", "Bad Request: can't parse commands JSON object"],
    ];
    for (const [commands, description] of cases) expect((await set(commands)).body.description).toBe(description);
    expect((await set([{ command: "a".repeat(32), description: "ж".repeat(256) }])).status).toBe(200);
    await ok(emulator, "setMyCommands", { commands: MENU });
    expect((await set(MENU, { language_code: "RU" })).body.description).toBe("Bad Request: invalid language code specified");
    expect((await set(MENU, { language_code: "rus" })).body.description).toBe("Bad Request: invalid language code specified");
    expect((await set(MENU, { scope: { type: "everyone" } })).body.description).toBe("Bad Request: can't parse BotCommandScope: Unsupported type specified");
    expect((await set(MENU, { scope: { type: "chat" } })).body.description).toBe(`Bad Request: can't parse BotCommandScope: Can't find field "chat_id"`);
    expect(emulator.commands(TOKEN)).toEqual(MENU);
    expect(emulator.commands(TOKEN, "ru")).toEqual([]);
  });
});
