import { MAX_LISTED_ISSUES } from "../config/walk.ts";
import { ConfigError, UsageError, formatIssue } from "../lib/errors.ts";
import { CONFIG_OPTION, parseCommandArgs } from "./args.ts";
import { configPath, EXIT, loadConfig, type CliContext } from "./context.ts";

const USAGE = "Usage: tgsignal validate [-c FILE]\nChecks the config offline. Exit 0 when valid, 1 with FILE:LINE:COL errors.";

export async function runValidate(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, CONFIG_OPTION, "validate");
  if (values.help) return ctx.print(USAGE), EXIT.ok;
  // `tgsignal validate broken.yaml` is what people type; accept the file positionally too.
  // One file only: a second one would be skipped while the OK reads as if both passed.
  if (positionals.length > (values.config === undefined ? 1 : 0))
    throw new UsageError(`validate: one config file at a time (got ${[values.config, ...positionals].filter(Boolean).join(", ")}); see tgsignal validate --help`);
  const file = configPath(ctx, (values.config as string | undefined) ?? positionals[0]);
  try {
    const config = await loadConfig(ctx, file);
    for (const warning of config.warnings) ctx.printError(formatIssue(warning));
    ctx.print(
      `${file}: OK (${config.bots.size} bots, ${config.users.size} users, ${config.groups.size} groups, ${config.clients.size} clients)`,
    );
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) ctx.printError(formatIssue(issue));
    const errors = error.issues.filter((issue) => issue.severity === "error").length;
    // Past the cap, the last line listed says how many more there are.
    const count = error.issues.length > MAX_LISTED_ISSUES ? `more than ${MAX_LISTED_ISSUES} errors` : `${errors} error${errors === 1 ? "" : "s"}`;
    ctx.printError(`${file}: ${count}`);
    return EXIT.invalid;
  }
}
