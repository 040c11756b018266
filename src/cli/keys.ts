// `tgsignal keys`: issued keys with who asked and the user they are assigned to,
// unassigned first (what the admin must act on). `keys revoke KEY` and `keys repair`
// change keys.log. A running server keeps the key index in memory, so while one holds the
// data dir (its lock says so) `keys` and `keys revoke` go through its admin API
// (keys-remote.ts); with none running they read and write keys.log here.
import { join } from "node:path";
import type { Config } from "../config/types.ts";
import { keyInfo, type KeyInfo } from "../http/admin.ts";
import { KEY_LOG_FILE } from "../keys/key-log.ts";
import { sortForAdmin } from "../keys/listing.ts";
import { KeyRegistry } from "../keys/registry.ts";
import { repairKeyLog } from "../keys/repair.ts";
import { StateError, UsageError } from "../lib/errors.ts";
import { lockDataDir, type DataDirLock } from "../platform/lock.ts";
import { CONFIG_OPTION, parseCommandArgs } from "./args.ts";
import { configPath, EXIT, loadConfigOrReport, type CliContext } from "./context.ts";
import { keysFromServer, reportRevoked, revokeThroughServer } from "./keys-remote.ts";

const USAGE = `Usage:
  tgsignal keys [-c FILE] [--json] [--token T]    issued keys, unassigned first
  tgsignal keys revoke KEY [-c FILE] [--token T]  revoke a key
  tgsignal keys repair [-c FILE]                  move damaged keys.log lines to keys.log.damaged
While a server runs on the data dir, keys and keys revoke go through its admin API
(the person is told), authenticated with --token, $TGSIGNAL_TOKEN, or the first client
with admin: true in the config; with none running they use keys.log directly.`;

export async function runKeys(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...CONFIG_OPTION, json: { type: "boolean" }, token: { type: "string" } }, "keys");
  if (values.help) return ctx.print(USAGE), EXIT.ok;
  const config = await loadConfigOrReport(ctx, configPath(ctx, values.config as string | undefined));
  if (!config) return EXIT.invalid;
  const token = values.token as string | undefined;
  const [action, key, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`keys: unexpected arguments ${rest.join(" ")}\n${USAGE}`);
  if (action === undefined) return listKeys(ctx, config, values.json === true, token);
  if (action === "revoke") {
    if (!key) throw new UsageError(`keys revoke: which key?\n${USAGE}`);
    return withLock(config, () => revokeKey(ctx, config, key), () => revokeThroughServer(ctx, config, key, token));
  }
  if (action === "repair") return withLock(config, () => repair(ctx, config), (error) => refuseWhileRunning(ctx, error));
  throw new UsageError(`keys: unknown action "${action}"\n${USAGE}`);
}

async function listKeys(ctx: CliContext, config: Config, json: boolean, token: string | undefined): Promise<number> {
  const remote = await keysFromServer(ctx, config, token);
  if (typeof remote === "number") return remote;
  const rows = remote ?? (await keysFromLog(ctx, config));
  ctx.print(json ? JSON.stringify(rows, null, 2) : renderTable(rows));
  const known = new Set(rows.map((row) => row.key));
  for (const [key, user] of config.keyOwners) {
    if (!known.has(key)) ctx.printError(`warning: users.${user}: key ${key} is not in ${join(config.dataDir, KEY_LOG_FILE)}`);
  }
  return EXIT.ok;
}

/** Read-only: safe while a server runs (a torn tail is ignored here, not cut). */
async function keysFromLog(ctx: CliContext, config: Config): Promise<KeyInfo[]> {
  const registry = await KeyRegistry.open({
    platform: ctx.platform,
    dataDir: config.dataDir,
    repairTail: false,
    onWarning: (message) => ctx.printError(`warning: ${message}`),
  });
  try {
    return sortForAdmin(registry.list(), config.keyOwners).map((record) => keyInfo(record, config.keyOwners.get(record.key) ?? null));
  } finally {
    await registry.close();
  }
}

/** The keys as GET /keys shows them, one row each (terminal controls in names removed). */
export function renderTable(keys: readonly KeyInfo[]): string {
  const header = ["KEY", "BOT", "CHAT", "WHO ASKED", "WHEN", "STATUS", "USER"];
  const rows = keys.map((row) =>
    [
      row.key,
      row.bot,
      `${row.chat_id}${row.chat_type === "private" ? "" : ` (${row.chat_type})`}`,
      [row.name, row.username ? `@${row.username}` : null].filter(Boolean).join(" ") || "-",
      row.issued_at.slice(0, 16).replace("T", " "),
      row.status,
      row.user ?? "UNASSIGNED",
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
 * and would never see a line appended behind its back: `onLocked` says what happens then.
 */
async function withLock(config: Config, run: () => Promise<number>, onLocked: (error: StateError) => Promise<number> | number): Promise<number> {
  let lock: DataDirLock;
  try {
    lock = await lockDataDir(config.dataDir);
  } catch (error) {
    // Only a live owner gets there; an unusable data dir is reported as is (exit 3).
    if (!(error instanceof StateError) || error.code !== "data_dir_locked") throw error;
    return onLocked(error);
  }
  try {
    return await run();
  } finally {
    await lock.release();
  }
}

function refuseWhileRunning(ctx: CliContext, error: StateError): number {
  ctx.printError(`${error.message}.\nA running server would not see this change: stop it, run the command, and start it again.`);
  return EXIT.state;
}

async function revokeKey(ctx: CliContext, config: Config, key: string): Promise<number> {
  const registry = await KeyRegistry.open({ platform: ctx.platform, dataDir: config.dataDir, onWarning: (m) => ctx.printError(`warning: ${m}`) });
  try {
    if (!registry.lookup(key)) return ctx.printError(`key ${key} is not in ${registry.path}`), EXIT.invalid;
    const revoked = await registry.revokeKey(key, "admin");
    const info = keyInfo(registry.lookup(key)!, config.keyOwners.get(key) ?? null);
    reportRevoked(ctx, config, info, revoked, "no server runs, so the person is not told");
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
