// `tgsignal events [-c FILE] [--follow] [--after ID]`: the events in data_dir/inbox.log as
// JSON lines, oldest first, for scripts (`| jq`) and debugging. Read-only, so safe while a
// server runs: it takes no lock and never repairs the file (a torn last line, a server's
// write in progress, is skipped). --follow then polls the file on the clock and prints
// what the server appends; a compaction replaces the file (a new inode), so the new one is
// read from its start and ids already printed are skipped: ids only grow.
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import { decodeInboxLine, type InboxLine } from "../events/inbox-records.ts";
import { INBOX_FILE, type InboxEvent } from "../events/types.ts";
import { UsageError } from "../lib/errors.ts";
import { replayLog } from "../storage/append-log.ts";
import { CONFIG_OPTION, parseCommandArgs } from "./args.ts";
import { configPath, EXIT, loadConfigOrReport, type CliContext } from "./context.ts";

const USAGE = `Usage: tgsignal events [-c FILE] [--follow] [--after ID]
Prints the events people sent (data_dir/inbox.log) as JSON lines, oldest first.
Read-only: safe while the server runs.
  --after ID   only events newer than ID (an event id, e.g. 1042)
  --follow     then keep printing new events as the server records them, until Ctrl-C`;

/** How often --follow looks at the file's size. */
export const FOLLOW_INTERVAL_MS = 250;

export async function runEvents(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...CONFIG_OPTION, follow: { type: "boolean" }, after: { type: "string" } }, "events");
  if (values.help) return ctx.print(USAGE), EXIT.ok;
  if (positionals.length > 0) throw new UsageError(`events: unexpected argument "${positionals[0]}"\n${USAGE}`);
  const after = (values.after as string | undefined) ?? "0";
  if (!/^[0-9]{1,20}$/.test(after)) throw new UsageError(`events: --after must be an event id (decimal digits, e.g. 1042), got "${after.slice(0, 40)}"`);
  const config = await loadConfigOrReport(ctx, configPath(ctx, values.config as string | undefined));
  if (!config) return EXIT.invalid;
  const path = join(config.dataDir, INBOX_FILE);
  const printer = new EventPrinter(ctx, BigInt(after));
  // Taken before reading: if a compaction replaces the file meanwhile, the inode differs
  // at the first poll and the new file is read whole.
  const identity = await fileIdentity(path);
  const replayed = await replayLog(ctx.platform, path, {
    decode: decodeInboxLine,
    onRecord: (line) => printer.line(line),
    repairTail: false,
    onWarning: (message) => ctx.printError(`warning: ${message}`),
    damaged: { code: "inbox_damaged", fix: "stop tgsignal, back the file up, fix or delete that line, and start again." },
  });
  if (values.follow !== true) return EXIT.ok;
  await follow(ctx, new LogTail(path, identity?.ino, identity ? replayed.size : 0), printer);
  return EXIT.ok;
}

/** Prints each event once, in id order: what a replaced file repeats is skipped. */
class EventPrinter {
  constructor(
    private readonly ctx: CliContext,
    private last: bigint,
  ) {}

  line(line: InboxLine): void {
    if (line.t !== "event") return;
    const id = BigInt(line.event.id);
    if (id <= this.last) return;
    this.last = id;
    this.ctx.print(terminalSafeJson(line.event));
  }
}

/**
 * JSON.stringify escapes C0 controls but not DEL, C1 controls or the bidi overrides, which
 * people may put in their messages to rewrite or reorder the admin's terminal line. They
 * can only occur inside JSON strings, where \uXXXX means the same character: jq reads the
 * same values.
 */
export function terminalSafeJson(event: InboxEvent): string {
  return JSON.stringify(event).replace(/[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

async function follow(ctx: CliContext, tail: LogTail, printer: EventPrinter): Promise<void> {
  const stop = new AbortController();
  const offs = (["SIGINT", "SIGTERM"] as const).map((signal) => ctx.platform.onSignal(signal, () => stop.abort()));
  try {
    while (!stop.signal.aborted) {
      for (const text of await tail.newLines()) {
        const line = parseLine(text);
        if (typeof line === "string") ctx.printError(`warning: ${tail.path}: skipped a line (${line})`);
        else printer.line(line);
      }
      await ctx.clock.sleep(FOLLOW_INTERVAL_MS, stop.signal).catch(() => {});
    }
  } finally {
    for (const off of offs) off();
  }
}

function parseLine(text: string): InboxLine | string {
  try {
    return decodeInboxLine(JSON.parse(text));
  } catch {
    return "not valid JSON";
  }
}

async function fileIdentity(path: string): Promise<{ ino: number } | undefined> {
  try {
    return { ino: (await stat(path)).ino };
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The complete lines appended to a file since the last look; a replaced file is read from its start. */
export class LogTail {
  #partial = "";
  #decoder = new TextDecoder();

  constructor(
    readonly path: string,
    private ino: number | undefined,
    private offset: number,
  ) {}

  async newLines(): Promise<string[]> {
    let handle;
    try {
      handle = await open(this.path, "r");
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return [];
      throw error;
    }
    try {
      const info = await handle.stat();
      // Compacted (renamed over) or cut shorter than what was read: start again.
      if (info.ino !== this.ino || info.size < this.offset) this.#restart(info.ino);
      if (info.size === this.offset) return [];
      const bytes = new Uint8Array(info.size - this.offset);
      let read = 0;
      while (read < bytes.length) {
        const { bytesRead } = await handle.read(bytes, read, bytes.length - read, this.offset + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      this.offset += read;
      const lines = (this.#partial + this.#decoder.decode(bytes.subarray(0, read), { stream: true })).split("\n");
      // The last piece has no newline yet: a line the server is still writing.
      this.#partial = lines.pop()!;
      return lines.filter((line) => line.trim() !== "");
    } finally {
      await handle.close();
    }
  }

  #restart(ino: number): void {
    this.ino = ino;
    this.offset = 0;
    this.#partial = "";
    this.#decoder = new TextDecoder();
  }
}
