// A tiny web-standard router: (Request) => Promise<Response>, testable without sockets.
import { errorResponse, httpError, renderError } from "./errors.ts";
import type { Logger } from "../lib/log.ts";

export interface RequestContext {
  url: URL;
  params: Record<string, string>;
  /** The peer's IP address ("" when unknown, e.g. in unit tests). */
  remoteAddr: string;
}

export type RouteHandler = (req: Request, ctx: RequestContext) => Response | Promise<Response>;

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
  fallback: boolean;
}

export interface RouteOptions {
  /**
   * Tried only when no other route's path matches, and only for its own method: ntfy's
   * `POST /{name}` must not turn `POST /healthz` (405) or `GET /nope` (404) into a publish.
   */
  fallback?: boolean;
}

export class Router {
  readonly #routes: Route[] = [];

  constructor(private readonly log: Logger) {}

  /** `path` segments starting with ":" capture one URL-decoded segment. */
  add(method: string, path: string, handler: RouteHandler, options: RouteOptions = {}): this {
    this.#routes.push({ method, segments: path.split("/").filter(Boolean), handler, fallback: options.fallback ?? false });
    return this;
  }

  readonly handle = async (req: Request, info: { remoteAddr: string } = { remoteAddr: "" }): Promise<Response> => {
    const url = parseUrl(req);
    if (!url) return renderError(httpError("bad_host"), this.log);
    const parts = url.pathname.split("/").filter(Boolean);
    const allowed = new Set<string>();
    let found: { route: Route; params: Record<string, string> } | undefined;
    for (const route of this.#routes) {
      if (route.fallback) continue;
      const params = match(route.segments, parts);
      if (!params) continue;
      if (route.method === req.method || (req.method === "HEAD" && route.method === "GET")) {
        found = { route, params };
        break;
      }
      allowed.add(route.method);
    }
    if (!found && allowed.size === 0) found = this.#fallback(req.method, parts);
    if (found) {
      try {
        return await found.route.handler(req, { url, params: found.params, remoteAddr: info.remoteAddr });
      } catch (error) {
        return renderError(error, this.log);
      }
    }
    // Neither answer echoes the method or the path: nothing of an unauthenticated
    // request's own text comes back, so no answer can depend on what a guess equals.
    if (allowed.size > 0) {
      const allow = [...allowed].join(", ");
      return errorResponse("method_not_allowed", `this method is not allowed here; use ${allow}`, { Allow: allow });
    }
    return errorResponse("not_found", "no such endpoint; the endpoints are listed at GET /openapi.json");
  };

  #fallback(method: string, parts: string[]): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.#routes) {
      if (!route.fallback || route.method !== method) continue;
      const params = match(route.segments, parts);
      if (params) return { route, params };
    }
    return undefined;
  }
}

/**
 * Servers build `req.url` from the Host header: HTTP/1.0 without Host gives a bare path on
 * Bun, and `Host: x:99999` a port URL parsing refuses. Either is the caller's error.
 */
function parseUrl(req: Request): URL | undefined {
  try {
    return new URL(req.url);
  } catch {
    return undefined;
  }
}

function match(segments: string[], parts: string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const part = parts[i]!;
    if (segment.startsWith(":")) {
      try {
        params[segment.slice(1)] = decodeURIComponent(part);
      } catch {
        return undefined;
      }
    } else if (segment !== part) return undefined;
  }
  return params;
}
