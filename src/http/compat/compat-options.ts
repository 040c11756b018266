// What the ntfy and Gotify routes are built with (compat-routes.ts adds them).
import type { ConfigStore } from "../../config/store.ts";
import type { Notifier } from "../../delivery/notifier.ts";
import type { Logger } from "../../lib/log.ts";
import type { Authenticator } from "../auth.ts";
import type { Uploads } from "../uploads.ts";
import type { Router } from "../router.ts";

export interface CompatRoutesOptions {
  router: Router;
  store: ConfigStore;
  notifier: Notifier;
  auth: Authenticator;
  /** Unexpected failures are logged here (refusals at debug). */
  log: Logger;
  /** ntfy's Filename: the body is a file, stored like /notify's (without: files are refused). */
  uploads?: Uploads;
}
