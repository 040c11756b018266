// Who is calling: a client from `clients` by bearer token, or (with no clients configured)
// a local program. Tokens are compared in constant time: both sides are hashed to the
// same length first, so neither the length nor a matching prefix leaks through timing,
// and every configured client is compared (no early exit on a match).
import { createHash, timingSafeEqual } from "node:crypto";
import type { ClientConfig, Config } from "../config/types.ts";
import type { Clock } from "../lib/clock.ts";
import type { Caller } from "../delivery/notifier.ts";
import { httpError } from "./errors.ts";
import type { RequestContext } from "./router.ts";

/** The caller id used when no clients are configured (loopback only). */
export const LOCAL_CALLER = "local";

interface Bucket {
  tokens: number;
  at: number;
}

const digest = (text: string): Buffer => createHash("sha256").update(text).digest();

export class Authenticator {
  readonly #hashes = new WeakMap<Config, Array<{ client: ClientConfig; hash: Buffer }>>();
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly clock: Clock) {}

  /** The caller, or an unauthorized/forbidden RequestError. */
  authenticate(req: Request, ctx: Pick<RequestContext, "url" | "remoteAddr">, config: Config): Caller {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "");
    return this.authenticateToken(match?.[1], req, ctx, config, 'missing bearer token; send "Authorization: Bearer <client token>"');
  }

  /**
   * The caller a token names, however the request carried it (the ntfy and Gotify routes
   * find it in Basic auth, `?auth=`, `X-Gotify-Key` or `?token=`). `missing` says how to
   * send one. With no clients configured, only local programs, as for /notify.
   */
  authenticateToken(token: string | undefined, req: Request, ctx: Pick<RequestContext, "url" | "remoteAddr">, config: Config, missing: string): Caller {
    if (config.clients.size === 0) return authenticateLocal(req, ctx);
    if (token === undefined || token === "") throw httpError("unauthorized", missing, { "WWW-Authenticate": 'Bearer realm="tgsignal"' });
    const client = this.#find(config, token);
    if (!client) {
      throw httpError("unauthorized", "unknown token; check the client token in the config", {
        "WWW-Authenticate": 'Bearer realm="tgsignal", error="invalid_token"',
      });
    }
    return { id: client.id, allow: client.allow };
  }

  /** Takes one token from the client's bucket, or throws rate_limited with Retry-After. */
  charge(caller: Caller, config: Config): void {
    const limit = config.clients.get(caller.id)?.rateLimit;
    if (!limit) return;
    const now = this.clock.now();
    const bucket = this.#buckets.get(caller.id) ?? { tokens: limit.burst, at: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
    bucket.at = now;
    this.#buckets.set(caller.id, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
    throw httpError("rate_limited", `client "${caller.id}" is over its rate_limit (${limit.perSecond}/s, burst ${limit.burst}); retry in ${seconds} s`, {
      "Retry-After": String(seconds),
    });
  }

  #find(config: Config, token: string): ClientConfig | undefined {
    let hashes = this.#hashes.get(config);
    if (!hashes) {
      hashes = [...config.clients.values()].map((client) => ({ client, hash: digest(client.token) }));
      this.#hashes.set(config, hashes);
    }
    const presented = digest(token);
    let found: ClientConfig | undefined;
    for (const { client, hash } of hashes) if (timingSafeEqual(hash, presented) && !found) found = client;
    return found;
  }
}

/**
 * Without clients anything local may call, so a web page must not: a browser on this host
 * reaches loopback too, by a cross-origin form POST (it sends Origin) or by DNS rebinding
 * (a foreign name resolved to 127.0.0.1: the Host is that name). Programs send neither.
 */
function authenticateLocal(req: Request, ctx: Pick<RequestContext, "url" | "remoteAddr">): Caller {
  const fix = "add a client with a token under clients:";
  if (!isLoopback(ctx.remoteAddr)) throw httpError("forbidden", `no clients are configured, so only loopback callers are accepted; ${fix}`);
  if (req.headers.has("origin")) throw httpError("forbidden", `no clients are configured, so requests from web pages (with an Origin header) are refused; ${fix}`);
  if (!isLoopbackHost(ctx.url.hostname))
    throw httpError("forbidden", `no clients are configured, so the Host must be localhost, a 127.x.x.x address or [::1] (other names may be DNS rebinding); ${fix}`);
  return { id: LOCAL_CALLER, allow: null };
}

/** A URL hostname (already normalised by URL parsing: lower case, "127.1" → "127.0.0.1"). */
function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export function isLoopback(address: string): boolean {
  const plain = address.replace(/^::ffff:/i, "");
  return plain === "::1" || /^127\.\d+\.\d+\.\d+$/.test(plain);
}
