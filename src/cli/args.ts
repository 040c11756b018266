import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../lib/errors.ts";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

export const CONFIG_OPTION: OptionSpec = { config: { type: "string", short: "c" } };

/** node:util parseArgs (Bun and Deno both ship it), with usage errors as UsageError. */
export interface ParsedArgs {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
}

export function parseCommandArgs(args: string[], options: OptionSpec, command: string): ParsedArgs {
  try {
    return parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${error instanceof Error ? error.message : String(error)}; see tgsignal ${command} --help`);
  }
}
