// Holds the config in force. A reload builds a new Config and swaps it in one step;
// subscribers see (next, previous). An invalid reload keeps the last good config and
// records the failure for /healthz and metrics.
import { ConfigError, errorMessage, formatIssue, type ConfigIssue } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { Config } from "./types.ts";

export type ConfigListener = (next: Config, previous: Config) => void | Promise<void>;

export interface ReloadState {
  lastReloadSuccessful: boolean;
  /** Seconds since the epoch of the last successful load. */
  lastSuccessAt: number;
  lastError: string | null;
  lastErrorIssues: readonly ConfigIssue[];
}

export type ReloadResult = "applied" | "unchanged" | "rejected";

export class ConfigStore {
  #current: Config;
  #listeners = new Set<ConfigListener>();
  #state: ReloadState;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    initial: Config,
    private readonly load: () => Promise<Config>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.#current = initial;
    this.#state = { lastReloadSuccessful: true, lastSuccessAt: now() / 1000, lastError: null, lastErrorIssues: [] };
  }

  get current(): Config {
    return this.#current;
  }

  get state(): Readonly<ReloadState> {
    return this.#state;
  }

  subscribe(listener: ConfigListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Re-reads the file. Reloads are serialized so two triggers never interleave. */
  async reload(reason: string): Promise<ReloadResult> {
    return (await this.reloadReport(reason)).result;
  }

  /**
   * reload(), with the state this reload left (a rejection's issues with their positions),
   * taken in its turn: a reload queued after it cannot overwrite the answer (POST /reload).
   */
  reloadReport(reason: string): Promise<{ result: ReloadResult; state: Readonly<ReloadState> }> {
    const run = this.#queue.then(async () => ({ result: await this.#reloadNow(reason), state: this.#state }));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #reloadNow(reason: string): Promise<ReloadResult> {
    let next: Config;
    try {
      next = await this.load();
    } catch (error) {
      const issues = error instanceof ConfigError ? error.issues : [];
      this.#state = {
        ...this.#state,
        lastReloadSuccessful: false,
        lastError: errorMessage(error),
        lastErrorIssues: issues,
      };
      this.log.error("config reload rejected; the last good config stays in force", { reason, file: this.#current.file });
      for (const issue of issues) this.log.error(formatIssue(issue));
      if (issues.length === 0) this.log.error(errorMessage(error));
      return "rejected";
    }
    this.#state = { lastReloadSuccessful: true, lastSuccessAt: this.now() / 1000, lastError: null, lastErrorIssues: [] };
    if (next.contentHash === this.#current.contentHash) return "unchanged";
    const previous = this.#current;
    this.#current = next;
    for (const warning of next.warnings) this.log.warn(formatIssue(warning));
    this.log.info("config reloaded", { reason, bots: next.bots.size, users: next.users.size, groups: next.groups.size });
    for (const listener of this.#listeners) {
      try {
        await listener(next, previous);
      } catch (error) {
        this.log.error("applying the new config failed in a subscriber", { error: errorMessage(error) });
      }
    }
    return "applied";
  }
}
