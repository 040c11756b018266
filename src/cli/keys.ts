// `tgsignal keys`: issued keys with who asked and the user they are assigned to,
// unassigned first (what the admin must act on). `keys revoke KEY` and `keys repair`
// change keys.log and so need the data dir to themselves (see revokeOrRefuse).
import { join } from "node:path";
import type { Config } from "../config/types.ts";
import { KEY_LOG_FILE } from "../keys/key-log.ts";
import { KeyRegistry } from "../keys/registry.ts";
import { repairKeyLog } from "../keys/repair.ts";
import type { KeyRecord } from "../keys/types.ts";
import { StateError, UsageError } from "../lib/errors.ts";
import { lockDataDir, type DataDirLock } from "../platform/lock.ts";
import { CONFIG_OPTION, parseCommandArgs } from "./args.ts";
import { configPath, EXIT, loadConfigOrReport, type CliContext } from "./context.ts";

const USAGE = `Usage:
  tgsignal keys [-c FILE] [--json]      issued keys, unassigned first
  tgsignal keys revoke KEY [-c FILE]    revoke a key (the server must be stopped)
  tgsignal keys repair [-c FILE]        move damaged keys.log lines to keys.log.damaged`;

export async function runKeys(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...CONFIG_OPTION, json: { type: "boolean" } }, "keys");
  if (values.help) return ctx.print(USAGE), EXIT.ok;
  const config = await loadConfigOrReport(ctx, configPath(ctx, values.config as string | undefined));
  if (!config) return EXIT.invalid;
  const [action, key, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`keys: unexpected arguments ${rest.join(" ")}\n${USAGE}`);
  if (action === undefined) return listKeys(ctx, config, values.json === true);
  if (action === "revoke") {
    if (!key) throw new UsageError(`keys revoke: which key?\n${USAGE}`);
    return withLock(ctx, config, () => revokeKey(ctx, config, key));
  }
  if (action === "repair") return withLock(ctx, config, () => repair(ctx, config));
  throw new UsageError(`keys: unknown action "${action}"\n${USAGE}`);
}

/** Read-only: safe while a server runs (a torn tail is ignored here, not cut). */
async function listKeys(ctx: CliContext, config: Config, json: boolean): Promise<number> {
  const registry = await KeyRegistry.open({
    platform: ctx.platform,
    dataDir: config.dataDir,
    repairTail: false,
    onWarning: (message) => ctx.printError(`warning: ${message}`),
  });
  try {
    const rows = sortForAdmin(registry.list(), config.keyOwners);
    if (json) {
      ctx.print(JSON.stringify(rows.map((record) => toJson(record, config.keyOwners.get(record.key) ?? null)), null, 2));
    } else {
      ctx.print(renderTable(rows, config.keyOwners));
    }
    for (const [key, user] of config.keyOwners) {
      if (!registry.lookup(key)) ctx.printError(`warning: users.${user}: key ${key} is not in ${join(config.dataDir, KEY_LOG_FILE)}`);
    }
    return EXIT.ok;
  } finally {
    await registry.close();
  }
}

/** Active unassigned keys first, then assigned ones, then blocked and revoked; newest first within. */
export function sortForAdmin(records: KeyRecord[], owners: ReadonlyMap<string, string>): KeyRecord[] {
  const rank = (record: KeyRecord) =>
    record.status === "active" ? (owners.has(record.key) ? 1 : 0) : record.status === "blocked" ? 2 : 3;
  return [...records].sort((a, b) => rank(a) - rank(b) || b.issuedAt.localeCompare(a.issuedAt));
}

function toJson(record: KeyRecord, user: string | null) {
  return {
    key: record.key,
    bot: record.bot,
    chat_id: record.chatId,
    chat_type: record.chatType,
    username: record.username,
    name: record.name,
    issued_at: record.issuedAt,
    status: record.status,
    user,
  };
}

export function renderTable(records: KeyRecord[], owners: ReadonlyMap<string, string>): string {
  const header = ["KEY", "BOT", "CHAT", "WHO ASKED", "WHEN", "STATUS", "USER"];
  const rows = records.map((record) =>
    [
      record.key,
      record.bot,
      `${record.chatId}${record.chatType === "private" ? "" : ` (${record.chatType})`}`,
      [record.name, record.username ? `@${record.username}` : null].filter(Boolean).join(" ") || "-",
      record.issuedAt.slice(0, 16).replace("T", " "),
      record.status,
      owners.get(record.key) ?? "UNASSIGNED",
    ].map(stripTerminalControls),
  );
  if (rows.length === 0) return "no keys issued yet: people get one by writing /key to the bot";
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd();
  return [format(header), ...rows.map(format)].join("\n");
}

/**
 * Telegram names are chosen by strangers, and keys.log may be edited by hand: an escape
 * sequence in a name could recolour, retitle or clear the admin's terminal, or hide rows.
 * Removes ANSI sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL or ESC \`, and `ESC`
 * with the character after it), C0 and C1 control characters, DEL, and the bidi controls
 * that reorder the text after them. Linear: no quantified part can match the same text two
 * ways, and every part after ESC is optional, so a match never backtracks.
 */
const TERMINAL_CONTROLS = /\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[^[\]]?)|[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

export function stripTerminalControls(text: string): string {
  return text.replace(TERMINAL_CONTROLS, "");
}

/**
 * Changing keys.log needs the data dir lock. A running server keeps its index in memory
 * and would never see a line appended behind its back, so with a live server we refuse
 * and say what works instead.
 */
async function withLock(ctx: CliContext, config: Config, run: () => Promise<number>): Promise<number> {
  let lock: DataDirLock;
  try {
    lock = await lockDataDir(config.dataDir);
  } catch (error) {
    // Only a live owner gets the advice below; an unusable data dir is reported as is (exit 3).
    if (!(error instanceof StateError) || error.code !== "data_dir_locked") throw error;
    ctx.printError(
      `${error.message}.\nA running server would not see this change. Either stop it, run the command, and start it again; ` +
        `or, without stopping it, remove the key from \`users\` in the config (applies live: nothing is sent to it) ` +
        `and ask the person to send /stop to the bot.`,
    );
    return EXIT.state;
  }
  try {
    return await run();
  } finally {
    await lock.release();
  }
}

async function revokeKey(ctx: CliContext, config: Config, key: string): Promise<number> {
  const registry = await KeyRegistry.open({ platform: ctx.platform, dataDir: config.dataDir, onWarning: (m) => ctx.printError(`warning: ${m}`) });
  try {
    const record = registry.lookup(key);
    if (!record) return ctx.printError(`key ${key} is not in ${registry.path}`), EXIT.invalid;
    if (!(await registry.revokeKey(key, "admin"))) return ctx.print(`key ${key} was already revoked`), EXIT.ok;
    ctx.print(`key ${key} revoked (bot ${record.bot}, chat ${record.chatId}${record.name ? `, ${record.name}` : ""})`);
    const user = config.keyOwners.get(key);
    if (user) ctx.printError(`note: users.${user} still lists ${key} in ${config.file}; remove it there too`);
    return EXIT.ok;
  } finally {
    await registry.close();
  }
}

async function repair(ctx: CliContext, config: Config): Promise<number> {
  const path = join(config.dataDir, KEY_LOG_FILE);
  const result = await repairKeyLog(ctx.platform, path);
  for (const { line, reason } of result.moved) ctx.print(`${path}:${line}: ${reason}: moved to ${result.damagedFile}`);
  ctx.print(
    result.moved.length === 0
      ? `${path}: no damaged lines (${result.kept} records)`
      : `${path}: kept ${result.kept} records, moved ${result.moved.length} damaged line(s); review ${result.damagedFile}`,
  );
  return EXIT.ok;
}
