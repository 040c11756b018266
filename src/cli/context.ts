// What every subcommand gets: the platform, a logger, the clock, and helpers to find
// and load the config the way the docs describe (-c, $TGSIGNAL_CONFIG, ./config.yaml).
import type { Deps } from "../gateway/app.ts";
import { ConfigLoader } from "../config/off-thread.ts";
import { ConfigError, formatIssue, RequestError, StateError, UsageError } from "../lib/errors.ts";
import type { Config } from "../config/types.ts";

export interface CliContext extends Deps {
  /** Standard output for results (tables, JSON); logs go to stderr. */
  print(text: string, options?: PrintOptions): void;
  /** Standard error for problems a person must read (validation errors, usage). */
  printError(text: string): void;
}

export interface PrintOptions {
  /**
   * Output is redacted (bot and client tokens masked) unless this is false: only for
   * secrets that are meant to be shown, like the demo sandbox's throwaway token.
   */
  redact?: boolean;
}

export const DEFAULT_CONFIG = "config.yaml";

export function configPath(ctx: CliContext, flag: string | undefined): string {
  return flag ?? ctx.env.TGSIGNAL_CONFIG ?? DEFAULT_CONFIG;
}

/** The loader of one config file: `load()` on this thread, `reload()` through the config worker. */
export function configLoader(ctx: CliContext, file: string): ConfigLoader {
  return new ConfigLoader({ platform: ctx.platform, clock: ctx.clock, file, env: ctx.env });
}

/** Loads the config on this thread: for start-up and one-shot commands, when nothing else runs. */
export function loadConfig(ctx: CliContext, file: string): Promise<Config> {
  return configLoader(ctx, file).load();
}

/** Loads the config; on errors prints each as FILE:LINE:COL and returns undefined (exit 1). */
export async function loadConfigOrReport(ctx: CliContext, file: string, loader = configLoader(ctx, file)): Promise<Config | undefined> {
  try {
    return await loader.load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) ctx.printError(formatIssue(issue));
    return undefined;
  }
}

/** Exit codes, documented in README. */
export const EXIT = {
  ok: 0,
  invalid: 1,
  usage: 2,
  state: 3,
  runtime: 4,
} as const;

/** The exit code of a command that ended with `error`: by its kind, never by an HTTP status. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof StateError) return EXIT.state;
  if (error instanceof RequestError || error instanceof ConfigError) return EXIT.invalid;
  return EXIT.runtime;
}
