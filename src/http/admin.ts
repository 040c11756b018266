// The admin API, for clients with `admin: true` (with no clients configured: the local
// caller, loopback only): GET /keys, POST /keys/{key}/revoke, POST /reload. Authenticated
// first (401), then admitted (403 forbidden_admin), so a client that is not an admin
// learns nothing of the keys. Every action is logged with the client's id.
import { nextTurn } from "../lib/next-turn.ts";
import type { ConfigStore, ReloadState } from "../config/store.ts";
import type { Config } from "../config/types.ts";
import type { Caller } from "../delivery/notifier.ts";
import { sortForAdmin } from "../keys/listing.ts";
import type { KeyRecord } from "../keys/types.ts";
import { didYouMean } from "../lib/did-you-mean.ts";
import { formatIssue, type ConfigIssue } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { maskBotTokens } from "../lib/redact.ts";
import { showValue } from "../lib/schema-messages.ts";
import type { Static } from "@sinclair/typebox";
import type { Authenticator } from "./auth.ts";
import { queryFields } from "./body.ts";
import { ERRORS, httpError } from "./errors.ts";
import { checkFields, checkKnownFields, normalizeFields } from "./fields.ts";
import type { RequestContext, Router } from "./router.ts";
import { KeysQuery, type ConfigIssueSchema, type KeyInfoSchema } from "./schemas.ts";

/** What the admin routes do with keys; the gateway wires the key store, the reply path and the worker behind it. */
export interface KeyAdmin {
  /** Every key ever issued. */
  list(): readonly KeyRecord[];
  /** Revokes the key as the admin and tells the person; undefined when keys.log has no such key. */
  revoke(key: string): Promise<RevokeOutcome | undefined>;
}

export interface RevokeOutcome {
  /** The key as it is now. */
  record: KeyRecord;
  /** False when it was revoked already: nothing changed. */
  revoked: boolean;
  /** The key_revoked text is queued to the person. */
  told: boolean;
}

export interface AdminRoutesOptions {
  router: Router;
  store: ConfigStore;
  auth: Authenticator;
  keys: KeyAdmin;
  log: Logger;
}

export type KeyInfo = Static<typeof KeyInfoSchema>;

export function addAdminRoutes(options: AdminRoutesOptions): void {
  const { router } = options;
  router.add("GET", "/keys", (req, ctx) => listKeys(options, req, ctx));
  router.add("POST", "/keys/:key/revoke", (req, ctx) => revokeKey(options, req, ctx));
  router.add("POST", "/reload", (req, ctx) => reload(options, req, ctx));
}

/** The caller, if it may use the admin API: a client with admin: true, or the local caller when there are no clients. */
function admit(options: AdminRoutesOptions, req: Request, ctx: RequestContext): { caller: Caller; config: Config } {
  const config = options.store.current;
  const caller = options.auth.authenticate(req, ctx, config);
  const admin = config.clients.size === 0 || config.clients.get(caller.id)?.admin === true;
  if (!admin) {
    // Logged where an admin reads it: a client trying the admin API may be misconfigured, or more.
    options.log.warn("admin: refused a client that is not an admin", { client: caller.id, method: req.method, path: ctx.url.pathname });
    throw httpError("forbidden_admin", `client "${caller.id}" may not use the admin API; set clients.${caller.id}.admin: true in the config`);
  }
  return { caller, config };
}

function listKeys(options: AdminRoutesOptions, req: Request, ctx: RequestContext): Response {
  const { caller, config } = admit(options, req, ctx);
  const fields = queryFields(ctx.url);
  checkKnownFields(KeysQuery, fields, "query string");
  const query = checkFields(KeysQuery, normalizeFields(KeysQuery, fields));
  const records = options.keys.list();
  if (query.bot !== undefined) checkBotFilter(config, records, query.bot);
  const chosen = records.filter((record) => (query.status === undefined || record.status === query.status) && (query.bot === undefined || record.bot === query.bot));
  const sorted = sortForAdmin(chosen, config.keyOwners);
  options.log.info("admin: keys listed", { client: caller.id, keys: sorted.length, ...query });
  return new Response(keysJson(sorted, config.keyOwners), { headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
}

/** Rows per piece of the answer: about 400 KiB of JSON, a millisecond or two to write. */
const ROWS_PER_PIECE = 2000;

/**
 * {"keys":[...]} written a piece at a time, with a turn of the event loop between pieces:
 * 100,000 keys are ~20 MiB of JSON, and one JSON.stringify of them held the loop for
 * ~50 ms (scripts/bench/admin-keys.ts). The records are snapshots, so the answer is
 * consistent however the keys change meanwhile.
 */
function keysJson(records: readonly KeyRecord[], owners: ReadonlyMap<string, string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next > 0) await nextTurn();
      const start = next;
      next = Math.min(records.length, start + ROWS_PER_PIECE);
      const rows: string[] = [];
      for (let i = start; i < next; i++) rows.push(JSON.stringify(keyInfo(records[i]!, owners.get(records[i]!.key) ?? null)));
      const text = (start === 0 ? '{"keys":[' : ",") + rows.join(",");
      if (next < records.length) return controller.enqueue(encoder.encode(text));
      controller.enqueue(encoder.encode(text + "]}"));
      controller.close();
    },
  });
}

/** A bot of the config, or one keys.log still names (its keys stay listed after it is removed). */
function checkBotFilter(config: Config, records: readonly KeyRecord[], bot: string): void {
  if (config.bots.has(bot) || records.some((record) => record.bot === bot)) return;
  throw httpError("unknown_bot", `unknown bot ${showValue(bot)}${didYouMean(bot, config.bots.keys())}; the bots are ${[...config.bots.keys()].join(", ") || "none"}`);
}

async function revokeKey(options: AdminRoutesOptions, req: Request, ctx: RequestContext): Promise<Response> {
  const { caller } = admit(options, req, ctx);
  const key = ctx.params.key ?? "";
  const outcome = await options.keys.revoke(key);
  if (!outcome) throw httpError("unknown_key", `no key ${showValue(key)} in keys.log; GET /keys lists the keys`);
  const { record, revoked, told } = outcome;
  options.log.info(revoked ? "admin: key revoked" : "admin: key was revoked already", { client: caller.id, key, bot: record.bot, chat_id: record.chatId, told });
  // Owners from the config in force now: a reload while the revocation was written is shown as it is.
  const user = options.store.current.keyOwners.get(key) ?? null;
  return Response.json({ revoked, told, key: keyInfo(record, user) });
}

async function reload(options: AdminRoutesOptions, req: Request, ctx: RequestContext): Promise<Response> {
  const { caller } = admit(options, req, ctx);
  const { result, state } = await options.store.reloadReport(`POST /reload by ${caller.id}`);
  options.log.info("admin: config reload", { client: caller.id, outcome: result });
  if (result === "rejected") return rejected(state);
  const config = options.store.current;
  return Response.json({ reloaded: result === "applied", file: config.file, warnings: config.warnings.map(issueJson) });
}

/** 422 in the registry's shape, with every error's position (the same ones /healthz and the log show). */
function rejected(state: Readonly<ReloadState>): Response {
  const issues = state.lastErrorIssues.map(issueJson);
  const first = state.lastErrorIssues[0];
  const what = !first ? (state.lastError ?? "it could not be read") : issues.length === 1 ? formatIssue(first) : `${issues.length} errors (see issues), the first: ${formatIssue(first)}`;
  const message = `the config was not reloaded: ${what}; the last good config stays in force`;
  return Response.json({ error: { code: "config_invalid", message: maskBotTokens(message), issues } }, { status: ERRORS.config_invalid.status });
}

function issueJson(issue: ConfigIssue): Static<typeof ConfigIssueSchema> {
  return { file: issue.file, line: issue.line, col: issue.col, message: maskBotTokens(issue.message) };
}

/** One key as the admin sees it: GET /keys, the revoke answer, `tgsignal keys --json`. */
export function keyInfo(record: KeyRecord, user: string | null): KeyInfo {
  const info: KeyInfo = {
    key: record.key,
    status: record.status,
    bot: record.bot,
    chat_id: record.chatId,
    chat_type: record.chatType,
    username: record.username,
    name: record.name,
    user,
    issued_at: record.issuedAt,
  };
  if (record.requestedBy !== undefined) info.requested_by = record.requestedBy;
  if (record.revokedBy !== undefined) info.revoked_by = record.revokedBy;
  return info;
}
