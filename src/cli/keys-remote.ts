// `tgsignal keys` and `tgsignal keys revoke` through the admin API of the server that
// holds the data dir (GET /keys, POST /keys/{key}/revoke): that server keeps the key index
// in memory, tells the person and stops what is queued to the key.
import { join } from "node:path";
import type { Config } from "../config/types.ts";
import type { KeyInfo } from "../http/admin.ts";
import { KEY_LOG_FILE } from "../keys/key-log.ts";
import { errorMessage, StateError } from "../lib/errors.ts";
import { lockOwner } from "../platform/lock.ts";
import { EXIT, type CliContext } from "./context.ts";
import { adminToken, callServer, serverError, serverUrl, type ServerAnswer, type ServerToken } from "./server-api.ts";

/** Where an admin token can come from, for messages. */
const TOKEN_SOURCES = "--token, $TGSIGNAL_TOKEN, or a client with admin: true in the config";

/**
 * The keys as the running server lists them; undefined when no server runs, or it cannot
 * be asked (no admin token known, no answer at its address): then keys.log is read here,
 * which is safe while it runs. A refusal (a wrong token) is an exit code.
 */
export async function keysFromServer(ctx: CliContext, config: Config, flag: string | undefined): Promise<KeyInfo[] | number | undefined> {
  const pid = await lockOwner(config.dataDir);
  if (pid === undefined) return undefined;
  const auth = adminToken(ctx, config, flag);
  const fallback = `reading ${join(config.dataDir, KEY_LOG_FILE)} directly`;
  if (!auth) return void ctx.printError(`note: a running tgsignal (pid ${pid}) holds the data dir, but no admin token is known (${TOKEN_SOURCES}); ${fallback}`);
  let answer: ServerAnswer;
  try {
    answer = await callServer(config, "/keys", { method: "GET", token: auth.token });
  } catch (error) {
    if (!(error instanceof StateError)) throw error;
    return void ctx.printError(`note: ${errorMessage(error)}; ${fallback}`);
  }
  const refused = refusal(ctx, "keys", answer, auth);
  if (refused !== undefined) return refused;
  ctx.log.debug("keys listed by the running tgsignal", { url: `${serverUrl(config)}/keys` });
  return answer.body.keys as KeyInfo[];
}

/** A revocation while a server holds the data dir: only that server can make it (it keeps the index). */
export async function revokeThroughServer(ctx: CliContext, config: Config, key: string, flag: string | undefined): Promise<number> {
  const auth = adminToken(ctx, config, flag);
  if (!auth) {
    ctx.printError(
      `tgsignal keys revoke: a running tgsignal holds ${config.dataDir}, so the key must be revoked through its admin API, but no admin token is known. ` +
        `Give --token <token of a client with admin: true>, or set $TGSIGNAL_TOKEN, or set admin: true on a client in ${config.file} (applies live) and run this again.`,
    );
    return EXIT.state;
  }
  ctx.log.info("a running tgsignal owns the data dir; revoking through its admin API", { url: serverUrl(config) });
  const answer = await callServer(config, `/keys/${encodeURIComponent(key)}/revoke`, { method: "POST", token: auth.token });
  const refused = refusal(ctx, "keys revoke", answer, auth);
  if (refused !== undefined) return refused;
  const told = answer.body.told === true ? "the person is told" : "the person is not told (the key was blocked, or its bot is disabled)";
  reportRevoked(ctx, config, answer.body.key as KeyInfo, answer.body.revoked === true, told);
  return EXIT.ok;
}

/** What the admin reads after a revocation, offline or through the server. */
export function reportRevoked(ctx: CliContext, config: Config, info: KeyInfo, revoked: boolean, told: string): void {
  if (!revoked) return ctx.print(`key ${info.key} was already revoked`);
  ctx.print(`key ${info.key} revoked (bot ${info.bot}, chat ${info.chat_id}${info.name ? `, ${info.name}` : ""}); ${told}`);
  const user = info.user ?? config.keyOwners.get(info.key);
  if (user) ctx.printError(`note: users.${user} still lists ${info.key} in ${config.file}; remove it there too`);
}

/** The server's refusal printed, with where the token came from when it was the token; undefined for a success. */
function refusal(ctx: CliContext, command: string, answer: ServerAnswer, auth: ServerToken): number | undefined {
  const error = serverError(answer);
  if (!error) return undefined;
  const token = error.code === "unauthorized" || error.code === "forbidden_admin" ? ` (the token from ${auth.source}; an admin token comes from ${TOKEN_SOURCES})` : "";
  ctx.printError(`tgsignal ${command}: ${error.message}${token}`);
  // The server refused (exit 1), unless it failed itself.
  return error.code === "internal" ? EXIT.runtime : EXIT.invalid;
}
