#!/usr/bin/env bun
// Entry point: CLI dispatch. `tgsignal [serve]` is the default command.
import { systemClock } from "./lib/clock.ts";
import { UsageError, errorMessage, StateError } from "./lib/errors.ts";
import { createLogger, parseLogLevel } from "./lib/log.ts";
import { redactor } from "./lib/redact.ts";
import { detectPlatform } from "./platform/detect.ts";
import { EXIT, exitCodeOf, type CliContext } from "./cli/context.ts";
import { HELP } from "./cli/help.ts";
import { VERSION } from "./version.ts";

type Command = (ctx: CliContext, args: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import("./cli/serve.ts")).runServe,
  validate: async () => (await import("./cli/validate.ts")).runValidate,
  check: async () => (await import("./cli/check.ts")).runCheck,
  keys: async () => (await import("./cli/keys.ts")).runKeys,
  events: async () => (await import("./cli/events.ts")).runEvents,
  send: async () => (await import("./cli/send.ts")).runSend,
  demo: async () => (await import("./cli/demo.ts")).runDemo,
};

async function main(): Promise<number> {
  const platform = await detectPlatform();
  const env = platform.envAll();
  const log = createLogger({
    format: env.TGSIGNAL_LOG_FORMAT === "json" ? "json" : "text",
    level: parseLogLevel(env.TGSIGNAL_LOG),
  });
  const ctx: CliContext = {
    platform,
    log,
    clock: systemClock,
    env,
    print: (text, options) => void process.stdout.write((options?.redact === false ? text : redactor.redact(text)) + "\n"),
    printError: (text) => void process.stderr.write(redactor.redact(text) + "\n"),
  };
  const args = platform.args();
  const first = args[0];
  if (first === "--version" || first === "-v" || first === "version") {
    ctx.print(`tgsignal ${VERSION} (${platform.runtime} ${platform.runtimeVersion})`);
    return EXIT.ok;
  }
  if (first === "--help" || first === "-h" || first === "help") return ctx.print(HELP), EXIT.ok;
  const named = first !== undefined && !first.startsWith("-");
  const name = named ? first : "serve";
  const load = COMMANDS[name];
  if (!load) {
    ctx.printError(`unknown command "${name}"\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    return await (await load())(ctx, named ? args.slice(1) : args);
  } catch (error) {
    // Usage and data-dir messages already say which command they are about.
    ctx.printError(error instanceof UsageError || error instanceof StateError ? errorMessage(error) : `tgsignal ${name}: ${errorMessage(error)}`);
    return exitCodeOf(error);
  }
}

const code = await main();
// Exit explicitly (watchers and timers may still hold the loop) once output has drained.
await Promise.all([drain(process.stdout), drain(process.stderr)]);
process.exit(code);

function drain(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}
