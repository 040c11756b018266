// GET /events/{id}/files/{n}: a file a person sent, streamed through the gateway from the
// event's bot (getFile, then the file's bytes), never buffered whole and never with a URL
// that carries the bot token. Same access as the event: no `receive` → 403; an event of
// someone outside the client's allow is as unknown as one that does not exist (404).
import type { ConfigStore } from "../config/store.ts";
import { mayRead } from "../events/access.ts";
import type { EventFile, InboxStore } from "../events/types.ts";
import { NetworkError, TelegramApiError } from "../lib/errors.ts";
import type { TelegramApi } from "../telegram/api.ts";
import type { Authenticator } from "./auth.ts";
import { httpError } from "./errors.ts";
import { readersFor } from "./events.ts";
import type { RequestContext, Router } from "./router.ts";

/** The Bot API hands bots files of up to 20 MB (getFile); bigger ones only to a local Bot API server. */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

export interface EventFilesOptions {
  router: Router;
  store: ConfigStore;
  inbox: InboxStore;
  auth: Authenticator;
  /** The Bot API of an enabled bot by its config id; undefined when it is gone or disabled. */
  botApi(bot: string): TelegramApi | undefined;
}

export function addEventFileRoute(options: EventFilesOptions): void {
  options.router.add("GET", "/events/:id/files/:n", (req, ctx) => handleFile(options, req, ctx));
}

async function handleFile(options: EventFilesOptions, req: Request, ctx: RequestContext): Promise<Response> {
  const config = options.store.current;
  const readers = readersFor(config, options.auth.authenticate(req, ctx, config));
  const id = ctx.params.id ?? "";
  const stored = options.inbox.get(id);
  if (!stored || !mayRead(readers, stored.event)) throw httpError("not_found", `no event ${JSON.stringify(id.slice(0, 40))} for this client; events are kept for events_retention`);
  const index = /^[0-9]{1,4}$/.test(ctx.params.n ?? "") ? Number(ctx.params.n) : -1;
  const file = stored.event.files[index];
  const fileId = stored.fileIds[index];
  if (!file || fileId === undefined) throw httpError("not_found", `event ${id} has ${stored.event.files.length} file(s), numbered from 0: see its "files"`);
  if (file.size !== null && file.size > TELEGRAM_DOWNLOAD_LIMIT) throw tooBig(file.size);
  const api = options.botApi(stored.event.bot);
  if (!api) throw httpError("file_unavailable", `the event came through bot "${stored.event.bot}", which is disabled or no longer in the config; enable it to download its files`);
  const upstream = await download(api, fileId, req.signal);
  const headers = fileHeaders(file, upstream);
  // HEAD (the router serves it with GET's handler): the headers, and the download let go.
  if (req.method === "HEAD") return await upstream.body?.cancel(), new Response(null, { headers });
  return new Response(upstream.body, { headers });
}

async function download(api: TelegramApi, fileId: string, signal: AbortSignal): Promise<Response> {
  try {
    const info = await api.getFile({ file_id: fileId }, { signal });
    if (info.file_size !== undefined && info.file_size > TELEGRAM_DOWNLOAD_LIMIT) throw tooBig(info.file_size);
    // Telegram leaves file_path out when it will not serve the file to a bot.
    if (!info.file_path) throw httpError("file_unavailable", "Telegram gave no path to download the file from; it may be over the 20 MB limit for bots");
    return await api.downloadFile(info.file_path, { signal });
  } catch (error) {
    throw asFileError(error);
  }
}

/** Telegram's refusals and network failures as the caller's answer (its texts have no token: api.ts masks them). */
function asFileError(error: unknown): unknown {
  if (error instanceof TelegramApiError) {
    // getFile's answer for a file over the limit: 400 "Bad Request: file is too big".
    if (/file is too big/i.test(error.description)) return tooBig(null);
    return httpError("file_unavailable", `Telegram refused the file: ${error.errorCode} ${error.description}`);
  }
  if (error instanceof NetworkError) return httpError("file_unavailable", `Telegram could not be reached for the file: ${error.message}`);
  return error;
}

function tooBig(size: number | null): Error {
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  const what = size === null ? "the file is over" : `the file is ${mb(size)}, over`;
  return httpError("file_too_big", `${what} the ${mb(TELEGRAM_DOWNLOAD_LIMIT)} Telegram lets bots download; the person must send it another way (a link, a smaller file)`);
}

/** A MIME type as `type/subtype` (parameters dropped); anything else a person's client sent is served as bytes. */
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

function fileHeaders(file: EventFile, upstream: Response): Headers {
  const headers = new Headers({
    "Content-Type": MIME.test(file.mime) ? file.mime : "application/octet-stream",
    "Content-Disposition": contentDisposition(file.name),
    // The type and the name come from the person who sent the file: a browser must not
    // sniff it into a page, and it is a download, not something to render.
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
  });
  const length = upstream.headers.get("content-length");
  // A length of the encoded body would be wrong for the decoded bytes passed on.
  if (length !== null && /^[0-9]+$/.test(length) && !upstream.headers.has("content-encoding")) headers.set("Content-Length", length);
  return headers;
}

/**
 * RFC 6266: an ASCII `filename` for old clients and `filename*` (RFC 5987, UTF-8,
 * percent-encoded) with the real name, e.g. Cyrillic. Control characters, quotes and
 * backslashes never reach the header.
 */
export function contentDisposition(name: string): string {
  // toWellFormed: a lone surrogate (JSON allows one) would make encodeURIComponent throw.
  const clean = name.toWellFormed().replace(/[\x00-\x1f\x7f]/g, "") || "file";
  const ascii = clean.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
