// The routes that speak what tools already send (DESIGN "Speaking what tools already
// send"): ntfy's publish API and Gotify's POST /message, on top of the one notifier.
// Added after the gateway's own routes; ntfy's /{name} is a fallback route, so it never
// shadows them.
import type { CompatRoutesOptions } from "./compat-options.ts";
import { addGotifyRoutes } from "./gotify-routes.ts";
import { addNtfyRoutes } from "./ntfy-routes.ts";

export function addCompatRoutes(options: CompatRoutesOptions): void {
  addNtfyRoutes(options);
  addGotifyRoutes(options);
}
