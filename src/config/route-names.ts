// Every recipient name is also a path: ntfy-style publishing is `POST /{name}` (DESIGN
// "Speaking what tools already send"). So a user or group may not be named like a
// top-level path the gateway serves or keeps for itself; such a name could never be
// reached there, and a later route could take it over. Compared in any case: `/Healthz`
// is not `/healthz` to the router, but a name that differs only in case is a trap.

/** Top-level paths tgsignal serves, and those it reserves (the peers' own routes). */
export const ROUTE_NAMES: readonly string[] = [
  // served now
  "notify", "messages", "events", "healthz", "metrics", "openapi.json", "message",
  // reserved for tgsignal's own routes (the admin API, files, versions, the demo)
  "keys", "reload", "files", "file", "admin", "api", "v1", "v2", "demo", "static", "docs",
  // ntfy's own top-level paths (its web app, accounts, Matrix and UnifiedPush gateways)
  "app", "account", "settings", "signup", "login", "reset-password", "config.js", "sw.js", "manifest.webmanifest", "_matrix",
  // Gotify's (applications, clients, the stream, users, plugins)
  "application", "client", "current", "health", "image", "plugin", "stream", "user", "version",
  // what browsers and crawlers ask every host for
  "favicon.ico", "robots.txt",
];

const RESERVED = new Set(ROUTE_NAMES);

/** Why `name` cannot be a user or group, or undefined when it can. */
export function routeNameProblem(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (!RESERVED.has(lower)) return undefined;
  return `name "${name}" is a path of the gateway (/${lower}), so ntfy-style publishing to /${name} could not reach it; rename it (e.g. "${name}-team")`;
}
