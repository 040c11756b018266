// `tgsignal send`: one notification from the command line, through the same path as
// POST /notify (validation, outbox, rate limiter, delivery policy).
// When a running `tgsignal serve` owns the data dir, two writers on one outbox and one
// rate limiter per bot would break both, so send hands the message to that server over
// HTTP instead (its listen address and a client token come from the same config).
import { basename } from "node:path";
import { createGateway } from "../gateway/app.ts";
import type { Config } from "../config/types.ts";
import { Kind } from "@sinclair/typebox";
import { errorMessage, RequestError, StateError, UsageError } from "../lib/errors.ts";
import { lockDataDir } from "../platform/lock.ts";
import { KeyRegistry } from "../keys/registry.ts";
import { BotClients } from "../telegram/bot-clients.ts";
import { openDelivery } from "../gateway/outbound.ts";
import { notificationStatus, type NotificationStatus } from "../delivery/types.ts";
import { describeNotification, parseNotifyFields, type ParsedNotify } from "../http/notify.ts";
import { NotifyRequest } from "../http/schemas.ts";
import { toNotificationFiles, type IncomingFile } from "../http/uploads.ts";
import type { FileKeeper } from "../delivery/file-keeper.ts";
import { CONFIG_OPTION, parseCommandArgs, type OptionSpec } from "./args.ts";
import { configPath, EXIT, loadConfig, loadConfigOrReport, type CliContext } from "./context.ts";
import { callServer, serverError, serverUrl } from "./server-api.ts";

const USAGE = `Usage: tgsignal send [-c FILE] --to NAME[,NAME] [--format text|html|markdown] [--title T]
                     [--silent] [--bot B] [--topic N] [--wait SECONDS] [--token T]
                     [--at TIME | --delay DURATION] [--file PATH]... [--as document] TEXT|-
Sends one notification (TEXT, or standard input with "-"). Waits up to --wait seconds
(default 30) for delivery. Exit 0 delivered, queued or scheduled, 1 invalid input, 4 failed.
--at 2026-11-25T09:00:00+03:00 | 09:00 | UNIX-SECONDS, or --delay 30m (s, m, h, d): held in
the outbox until then (at most 30 days ahead); a scheduled one goes out from tgsignal serve.
--file attaches a file (repeat for an album of up to 10; the text is their caption, and
may be left out); --as document sends images as documents.
With a running server on the same data dir the message goes through it over HTTP,
authenticated with --token, $TGSIGNAL_TOKEN, or a client from the config.`;

/** The notify request's fields are the options (--to, --title, --silent, ...); the text is the argument. */
const OPTIONS: OptionSpec = { ...CONFIG_OPTION, token: { type: "string" }, file: { type: "string", multiple: true } };
for (const [name, schema] of Object.entries(NotifyRequest.properties))
  if (name !== "text" && name !== "attachments") OPTIONS[name] = { type: schema[Kind] === "Boolean" ? "boolean" : "string", multiple: name === "to" };

export async function runSend(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, "send");
  if (values.help) return ctx.print(USAGE), EXIT.ok;
  const paths = (values.file as string[] | undefined) ?? [];
  const fields = await readFields(values, positionals, paths.length > 0);
  const file = configPath(ctx, values.config as string | undefined);
  const config = await loadConfigOrReport(ctx, file);
  if (!config) return EXIT.invalid;
  // Invalid input (a RequestError) ends the command with exit 1 (cli/context.ts exitCodeOf).
  const parsed = parseNotifyFields(fields, paths.length);
  const files = await checkFiles(ctx, paths, config.uploadLimit);
  return await sendLocally(ctx, config, file, parsed, files).catch(async (error: unknown) => {
    if (!(error instanceof StateError && error.code === "data_dir_locked")) throw error;
    return sendThroughServer(ctx, config, fields, files, values.token as string | undefined);
  });
}

async function readFields(values: Record<string, unknown>, positionals: string[], withFiles: boolean): Promise<Record<string, unknown>> {
  const to = values.to as string[] | undefined;
  if (!to || to.length === 0) throw new UsageError("send: --to NAME is required; see tgsignal send --help");
  if (positionals.length === 0 && !withFiles) throw new UsageError('send: give the TEXT, or "-" to read it from standard input');
  const text = positionals.length === 1 && positionals[0] === "-" ? await new Response(process.stdin as unknown as ReadableStream).text() : positionals.join(" ");
  const fields: Record<string, unknown> = { text, wait: "30" };
  for (const name of Object.keys(NotifyRequest.properties)) if (values[name] !== undefined) fields[name] = values[name];
  return fields;
}

/** A file given with --file: where it is and the name the person sees. */
interface LocalFile {
  path: string;
  name: string;
}

/** Every --file is a regular file, not empty, and all fit upload_limit: checked before anything is stored or sent. */
async function checkFiles(ctx: CliContext, paths: string[], limit: number): Promise<LocalFile[]> {
  let total = 0;
  const files: LocalFile[] = [];
  for (const path of paths) {
    const info = await ctx.platform.stat(path).catch((error: unknown) => {
      throw new UsageError(`send: --file ${path}: ${errorMessage(error)}`);
    });
    if (info.kind !== "file") throw new UsageError(`send: --file ${path} is not a regular file (${info.kind})`);
    if (info.size === 0) throw new RequestError("bad_attachments", `--file ${path} is empty; Telegram does not send empty files`);
    total += info.size;
    if (total > limit) throw new RequestError("upload_too_large", `the files are larger than upload_limit (${limit} bytes); send smaller files or raise upload_limit`);
    files.push({ path, name: basename(path) });
  }
  return files;
}

/** Copies the files into data_dir/files, streamed; the caller lets go of them once the notification holds them. */
async function storeFiles(ctx: CliContext, keeper: FileKeeper, files: LocalFile[]): Promise<IncomingFile[]> {
  const stored: IncomingFile[] = [];
  try {
    for (const { path, name } of files) {
      const writer = keeper.store.begin();
      try {
        for await (const chunk of (await ctx.platform.openBlob(path)).stream()) await writer.write(chunk);
        stored.push({ ...(await writer.commit()), name });
      } catch (error) {
        await writer.abort();
        throw error;
      }
    }
  } catch (error) {
    keeper.letGo(stored);
    throw error;
  }
  return stored;
}

async function sendLocally(ctx: CliContext, config: Config, file: string, parsed: ParsedNotify, files: LocalFile[]): Promise<number> {
  const { input, wait } = parsed;
  const lock = await lockDataDir(config.dataDir);
  const gateway = createGateway(ctx, config, () => loadConfig(ctx, file));
  const bots = new BotClients({ platform: ctx.platform, clock: ctx.clock, metrics: gateway.metrics });
  bots.apply(config);
  const keys = await KeyRegistry.open({ platform: ctx.platform, dataDir: config.dataDir, now: () => ctx.clock.now(), onWarning: (message) => ctx.log.warn(message) });
  const delivery = await openDelivery(gateway, bots, keys);
  try {
    // Notifications a stopped server left queued go out too (same chats, in order).
    for (const state of delivery.outbox.pending()) delivery.worker.enqueue(state);
    const stored = await storeFiles(ctx, delivery.files, files);
    if (stored.length > 0) input.files = toNotificationFiles(stored, parsed.as);
    const { state } = await delivery.notifier.submit(input, { id: "cli", allow: null }).finally(() => delivery.files.letGo(stored));
    await delivery.notifier.waitSettled(state, wait * 1000);
    const now = ctx.clock.now();
    return report(ctx, describeNotification(state, now), notificationStatus(state, now));
  } finally {
    await delivery.worker.stop();
    await delivery.outbox.close();
    await delivery.files.idle();
    await keys.close();
    await lock.release();
  }
}

async function sendThroughServer(ctx: CliContext, config: Config, fields: Record<string, unknown>, files: LocalFile[], token: string | undefined): Promise<number> {
  const bearer = token ?? ctx.env.TGSIGNAL_TOKEN ?? [...config.clients.values()].find((client) => client.allow === null)?.token ?? [...config.clients.values()][0]?.token;
  ctx.log.info("a running tgsignal owns the data dir; sending through it", { url: `${serverUrl(config)}/notify` });
  const answer = await callServer(config, "/notify", { method: "POST", token: bearer, body: await requestBody(ctx, fields, files) });
  const error = serverError(answer);
  if (error) {
    ctx.printError(`tgsignal send: ${error.message}`);
    // The server refused the request (exit 1), unless it failed itself.
    return error.code === "internal" ? EXIT.runtime : EXIT.invalid;
  }
  return report(ctx, answer.body, answer.body.status as NotificationStatus);
}

/** The fields as JSON; with files, multipart/form-data (the fields as form fields, the files as parts). */
async function requestBody(ctx: CliContext, fields: Record<string, unknown>, files: LocalFile[]): Promise<Record<string, unknown> | FormData> {
  if (files.length === 0) return fields;
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) if (item !== "") form.append(name, String(item));
  for (const { path, name } of files) form.append("file", await ctx.platform.openBlob(path), name);
  return form;
}

/** Prints the notification; the exit code follows its outcome: failed is 4, queued and delivered 0. */
function report(ctx: CliContext, body: Record<string, unknown>, outcome: NotificationStatus): number {
  ctx.print(JSON.stringify(body, null, 2));
  if (outcome === "queued") ctx.printError("tgsignal send: still queued; it stays in the outbox and goes out when tgsignal serve runs");
  if (outcome === "scheduled")
    ctx.printError(`tgsignal send: scheduled for ${String(body.scheduled_for)}; it waits in the outbox and goes out then from tgsignal serve (at its next start if that time has passed)`);
  return outcome === "failed" ? EXIT.runtime : EXIT.ok;
}
