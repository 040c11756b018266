// Commands that find a running `tgsignal serve` on their data dir talk to it over HTTP
// (`send` posts the notification, `keys` uses the admin API): its address comes from the
// config's listen, and a token from --token, $TGSIGNAL_TOKEN or the config's clients.
import type { Config } from "../config/types.ts";
import { errorMessage, StateError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";

/** The running server's base URL: its listen address, with "all interfaces" reached on loopback. */
export function serverUrl(config: Config): string {
  const host = ["0.0.0.0", "::", ""].includes(config.listen.hostname) ? "127.0.0.1" : config.listen.hostname;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.listen.port}`;
}

/** A bearer token and where it came from (said in errors, never the token itself). */
export interface ServerToken {
  token: string | undefined;
  source: string;
}

/**
 * The token for the admin API: --token, $TGSIGNAL_TOKEN, or the first client with
 * admin: true. With no clients configured the server takes local callers without one.
 * Undefined when the config has clients but none is an admin and none was given.
 */
export function adminToken(ctx: CliContext, config: Config, flag: string | undefined): ServerToken | undefined {
  if (flag !== undefined) return { token: flag, source: "--token" };
  if (ctx.env.TGSIGNAL_TOKEN) return { token: ctx.env.TGSIGNAL_TOKEN, source: "$TGSIGNAL_TOKEN" };
  const admin = [...config.clients.values()].find((client) => client.admin);
  if (admin) return { token: admin.token, source: `clients.${admin.id} in ${config.file}` };
  if (config.clients.size === 0) return { token: undefined, source: "no clients configured: the local caller" };
  return undefined;
}

export interface ServerAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One request to the running server (a body as JSON, or a FormData as multipart); a server that does not answer is a StateError (exit 3). */
export async function callServer(config: Config, path: string, init: { method: string; token: string | undefined; body?: unknown }): Promise<ServerAnswer> {
  const url = serverUrl(config) + path;
  if (config.listen.port === 0)
    throw new StateError("server_unreachable", `the data dir is locked by a running tgsignal, but listen in the config has port 0 (any free port), so its address is unknown; give listen a fixed port`);
  const headers: Record<string, string> = {};
  if (init.token !== undefined) headers.Authorization = `Bearer ${init.token}`;
  const form = init.body instanceof FormData ? init.body : undefined;
  if (init.body !== undefined && !form) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(url, { method: init.method, headers, body: form ?? (init.body === undefined ? undefined : JSON.stringify(init.body)) });
  } catch (error) {
    throw new StateError("server_unreachable", `the data dir is locked by a running tgsignal, but ${url} does not answer (${errorMessage(error)}); is listen in the config its address?`);
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    throw new StateError("server_unreachable", `${url} answered ${res.status} with something other than tgsignal's JSON; is listen in the config its address?`);
  }
}

/** The registry error of an answer ({"error":{"code","message"}}), if it is one. */
export function serverError(answer: ServerAnswer): { code: string; message: string } | undefined {
  const error = answer.body.error as { code?: unknown; message?: unknown } | undefined;
  if (!error || typeof error.code !== "string") return undefined;
  return { code: error.code, message: typeof error.message === "string" ? error.message : error.code };
}
