// `tgsignal keys` in-process on a temp data dir: what reaches the admin's terminal from
// names strangers chose, and what a record without its time does.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runKeys, stripTerminalControls } from "../../src/cli/keys.ts";
import type { CliContext } from "../../src/cli/context.ts";
import { StateError } from "../../src/lib/errors.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";

let dir: string;
let config: string;
let keysLog: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tgs-cli-keys-"));
  config = join(dir, "config.yaml");
  keysLog = join(dir, "data", "keys.log");
  await mkdir(join(dir, "data"));
  await writeFile(config, 'data_dir: ./data\nbots:\n  main:\n    token: "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA"\nusers:\n  ivanov: 48213977\n');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

interface Run {
  out: string[];
  err: string[];
  ctx: CliContext;
}

function context(): Run {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    platform: bunPlatform,
    log: createMemoryLogger("debug"),
    clock: systemClock,
    env: {},
    print: (text) => void out.push(text),
    printError: (text) => void err.push(text),
  };
  return { out, err, ctx };
}

const AT = "2026-11-25T10:00:00.000Z";
const issued = (key: string, chat: number, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ type: "issued", key, bot: "main", chat_id: chat, chat_type: "private", username: null, name: "P", at: AT, ...fields }) + "\n";

/** C0 and C1 controls, DEL, ESC, and the bidi controls that reorder a line. */
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

test("names from Telegram reach the terminal without escape sequences or control characters", async () => {
  await writeFile(
    keysLog,
    issued("48213977", 1, { name: "\x1b[2J\x1b[1;1HIvan\x1b[31m Petrov\x1b[0m", username: "ivan\x07\x08" }) +
      issued("51928374", 2, { name: "\x1b]0;pwned\x07Olga\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", username: null }) +
      issued("60011223", 3, { name: "\u202Egnp.exe\u202C Anna\x9b31m\x7f\r", username: "a\nb" }),
  );
  const { out, ctx } = context();
  expect(await runKeys(ctx, ["-c", config])).toBe(0);
  const table = out.join("\n");
  expect(table).not.toMatch(UNSAFE);
  expect(table).toContain("Ivan Petrov @ivan ");
  expect(table).toContain("Olgalink");
  expect(table).toContain("gnp.exe Anna31m @ab");
  // Every row is one line: a newline in a name cannot forge another row.
  expect(table.split("\n")).toHaveLength(4);
});

test("--json keeps the names exact: JSON escapes them, and a program reads the real value", async () => {
  const name = "\x1b[31mIvan\x1b[0m\u202E";
  await writeFile(keysLog, issued("48213977", 1, { name }));
  const { out, ctx } = context();
  expect(await runKeys(ctx, ["-c", config, "--json"])).toBe(0);
  expect(out.join("")).not.toContain("\x1b");
  expect((JSON.parse(out.join("")) as Array<{ name: string }>)[0]!.name).toBe(name);
});

test("stripping is linear: megabyte runs of unterminated sequences finish (a backtracking pattern would not)", () => {
  const mib = 1 << 20;
  const shapes = [
    "\x1b[" + "0".repeat(mib),
    "\x1b[" + "0;".repeat(mib / 2) + " ".repeat(mib),
    "\x1b]" + "a".repeat(mib),
    "\x1b]\x1b".repeat(mib / 3),
    "\x1b[".repeat(mib / 2),
    "\x1b".repeat(mib),
  ];
  for (const shape of shapes) expect(stripTerminalControls(shape + "ok")).not.toMatch(UNSAFE);
  expect(stripTerminalControls("\x1b[" + "0".repeat(mib) + "mok")).toBe("ok");
  expect(stripTerminalControls("plain Имя 😀 name")).toBe("plain Имя 😀 name");
});

test("an issued record without its time is damage with its line number, in the middle or last; the file is left alone", async () => {
  const noTime = JSON.stringify({ type: "issued", key: "51928374", bot: "main", chat_id: 2, chat_type: "private", username: null, name: "P" });
  for (const text of [issued("48213977", 1) + noTime + "\n" + issued("60011223", 3), issued("48213977", 1) + noTime + "\n"]) {
    await writeFile(keysLog, text);
    const { ctx } = context();
    const error = await runKeys(ctx, ["-c", config]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).message).toContain(`${keysLog}:2: damaged record (missing or bad "at"`);
    expect((error as StateError).message).toContain("tgsignal keys repair");
    expect(await readFile(keysLog, "utf8")).toBe(text);
  }
});
