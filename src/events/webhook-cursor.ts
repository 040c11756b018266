// A webhook's cursor: the id of the last event its receiver acknowledged, one small file
// per client (data_dir/webhooks/<client>.json), replaced atomically. Written after each
// acknowledged event and before the next POST, so a crash re-sends at most the one event
// that was in flight. The file belongs to the client id, not to the URL: a changed url
// (or secret) resumes where the old one stopped.
import { join } from "node:path";
import { errorMessage, StateError } from "../lib/errors.ts";
import type { Platform } from "../platform/platform.ts";

export const WEBHOOKS_DIR = "webhooks";

/** Event ids are decimal strings (types.ts); "0" means before the first event. */
const EVENT_ID = /^(?:0|[1-9]\d{0,29})$/;

/**
 * The file name for a client id. Client ids are any YAML key, so everything but latin
 * letters, digits, "_" and "-" is percent-encoded: no "/" or ".." can leave the directory,
 * and two ids never share a file ("1c-erp" stays "1c-erp.json").
 */
export function cursorFileName(client: string): string {
  const encoded = encodeURIComponent(client).replace(/[!'()*.~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${encoded}.json`;
}

export function cursorPath(dataDir: string, client: string): string {
  return join(dataDir, WEBHOOKS_DIR, cursorFileName(client));
}

export class WebhookCursor {
  readonly path: string;

  constructor(
    private readonly platform: Pick<Platform, "readTextFile" | "writeFileAtomic">,
    dataDir: string,
    private readonly client: string,
  ) {
    this.path = cursorPath(dataDir, client);
  }

  /** The saved position, or null when there is no file yet. A damaged file throws, naming the fix. */
  async load(): Promise<string | null> {
    let text: string;
    try {
      text = await this.platform.readTextFile(this.path);
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === "ENOENT") return null;
      throw new StateError("webhook_cursor", `${this.path}: cannot read the webhook cursor (${errorMessage(error)})`);
    }
    const after = parseCursor(text);
    if (after === undefined)
      throw new StateError(
        "webhook_cursor",
        `${this.path}: damaged webhook cursor; write {"after":"<id of the last event the receiver has>"} into it, or delete it to push the events from now on`,
      );
    return after;
  }

  /** Durable when it resolves (temp file, fsync, rename). */
  async save(after: string): Promise<void> {
    await this.platform.writeFileAtomic(this.path, JSON.stringify({ client: this.client, after }) + "\n");
  }
}

/** Orders two event ids (decimal strings of any length) as numbers. */
export function compareEventIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseCursor(text: string): string | undefined {
  try {
    const saved = JSON.parse(text) as { after?: unknown } | null;
    // A hand-written {"after": 1042} is read too.
    const after = typeof saved?.after === "number" && Number.isSafeInteger(saved.after) ? String(saved.after) : saved?.after;
    return typeof after === "string" && EVENT_ID.test(after) ? after : undefined;
  } catch {
    return undefined;
  }
}
