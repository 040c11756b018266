// `tgsignal demo`: the whole two-way loop in a minute, without a bot token. A built-in Bot
// API emulator plays Telegram; the real gateway runs against it from a temp config and data
// dir (demo-sandbox.ts). The person's side is a playground next to the emulator
// (demo-playground.ts). Interactive, it prints the steps to type and narrates Alice's chat
// (demo-guide.ts); --auto plays the steps itself and checks each one (demo-auto.ts).
import { CONFIG_OPTION, parseCommandArgs } from "./args.ts";
import { EXIT, type CliContext } from "./context.ts";
import { playAuto } from "./demo-auto.ts";
import { narrateChanges, printGuide } from "./demo-guide.ts";
import { createSandbox } from "./demo-sandbox.ts";
import { startGateway, waitForShutdownSignal } from "./serve.ts";

const USAGE = `Usage: tgsignal demo [--port N] [--auto]
Runs the gateway against a built-in Telegram emulator in a temp directory and shows the
whole loop: a key, a notification with buttons, a press read from GET /events, an edit,
a question and the answer to it.
  --port N   gateway port (default 8787; 0 = any free port)
  --auto     play every step yourself and exit (0 when the whole loop works)`;

export async function runDemo(ctx: CliContext, args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { ...CONFIG_OPTION, port: { type: "string" }, auto: { type: "boolean" } }, "demo");
  if (values.help) return ctx.print(USAGE), EXIT.ok;
  const port = Number(values.port ?? 8787);
  const sandbox = await createSandbox(ctx, Number.isInteger(port) ? port : 8787);
  try {
    const running = await startGateway(ctx, sandbox.configFile);
    if (typeof running === "number") return running;
    try {
      if (values.auto) return await playAuto(ctx, sandbox, running);
      // Watching before the guide is printed: the first thing typed may come at once.
      const stopNarrating = narrateChanges(ctx, sandbox);
      printGuide(ctx, sandbox, running.url);
      await waitForShutdownSignal(ctx);
      stopNarrating();
      return EXIT.ok;
    } finally {
      await running.stop();
    }
  } finally {
    await sandbox.close();
  }
}
