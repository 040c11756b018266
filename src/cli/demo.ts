// `tgsignal demo`: the whole flow in a minute, without a bot token. A built-in Bot API
// emulator plays Telegram; the real gateway runs against it from a temp config and data
// dir. The person's side is a tiny "playground" next to the emulator (/demo/say, /demo/inbox).
import { randomBytes, randomInt } from "node:crypto";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BotApiEmulator } from "../emulator/bot-api.ts";
import type { SentMessage } from "../emulator/types.ts";
import { KEY_SOURCE } from "../keys/key-format.ts";
import { CONFIG_OPTION, parseCommandArgs } from "./args.ts";
import { EXIT, type CliContext } from "./context.ts";
import { startGateway, waitForShutdownSignal, type RunningGateway } from "./serve.ts";

const USAGE = `Usage: tgsignal demo [--port N] [--auto]
Runs the gateway against a built-in Telegram emulator in a temp directory.
  --port N   gateway port (default 8787; 0 = any free port)
  --auto     play every step yourself and exit (0 when the flow works)`;

const PERSON = { id: 700100200, first_name: "Alice", username: "alice", language_code: "en" };

interface Sandbox {
  dir: string;
  configFile: string;
  clientToken: string;
  botToken: string;
  emulator: BotApiEmulator;
  playgroundUrl: string;
  stopPlayground(): Promise<void>;
}

export async function runDemo(ctx: CliContext, args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { ...CONFIG_OPTION, port: { type: "string" }, auto: { type: "boolean" } }, "demo");
  if (values.help) return ctx.print(USAGE), EXIT.ok;
  const port = Number(values.port ?? 8787);
  const sandbox = await createSandbox(ctx, Number.isInteger(port) ? port : 8787);
  const running = await startGateway(ctx, sandbox.configFile);
  if (typeof running === "number") {
    await sandbox.stopPlayground();
    return running;
  }
  try {
    if (values.auto) return await playAuto(ctx, sandbox, running);
    printSteps(ctx, sandbox, running.url);
    sandbox.emulator.watchSent((message) => ctx.print(`\n📨 ${PERSON.first_name}'s Telegram shows:\n${indent(message.plain_text)}\n`));
    await waitForShutdownSignal(ctx);
    return EXIT.ok;
  } finally {
    await running.stop();
    await sandbox.stopPlayground();
    await rm(sandbox.dir, { recursive: true, force: true });
  }
}

async function createSandbox(ctx: CliContext, port: number): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-demo-"));
  const emulator = new BotApiEmulator();
  const botToken = `${randomInt(100000000, 999999999)}:DEMO${randomBytes(18).toString("hex")}`;
  emulator.addBot({ token: botToken, id: Number(botToken.split(":")[0]), username: "tgsignal_demo_bot", first_name: "tgsignal demo" });
  const server = await ctx.platform.serve({
    hostname: "127.0.0.1",
    port: 0,
    handler: (req) => playground(req, emulator, botToken),
  });
  const playgroundUrl = `http://127.0.0.1:${server.port}`;
  const clientToken = `demo-${randomBytes(12).toString("hex")}`;
  const configFile = join(dir, "config.yaml");
  await writeFile(
    configFile,
    [
      "# tgsignal demo sandbox: edit me, changes apply live",
      `listen: 127.0.0.1:${port}`,
      "data_dir: ./data",
      "clients:",
      "  demo:",
      `    token: ${clientToken}`,
      "bots:",
      "  demo:",
      "    title: tgsignal demo",
      `    token: "${botToken}"`,
      '    poll: "* * * * * *"',
      "    language: auto",
      `    api_url: ${playgroundUrl}`,
      "users:",
      "",
    ].join("\n"),
  );
  return { dir, configFile, clientToken, botToken, emulator, playgroundUrl, stopPlayground: () => server.stop() };
}

/** The emulator's Bot API plus two endpoints for playing the person. */
async function playground(req: Request, emulator: BotApiEmulator, token: string): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === "/demo/say" && req.method === "POST") {
    const text = (await req.text()).trim() || "my key";
    const since = emulator.sent(token).length;
    emulator.userWrites({ token, from: PERSON, text });
    const reply = await emulator
      .waitForSent((message) => message.chat_id === PERSON.id && emulator.sent(token).indexOf(message) >= since, 10_000)
      .catch(() => undefined);
    return new Response(reply ? `${reply.plain_text}\n` : "(no reply yet: is the bot polling?)\n");
  }
  if (url.pathname === "/demo/inbox") {
    const inbox = emulator.sent(token, { chat_id: PERSON.id }).map((message) => message.plain_text);
    return new Response(inbox.join("\n---\n") + "\n");
  }
  return emulator.fetch(req);
}

function printSteps(ctx: CliContext, sandbox: Sandbox, gatewayUrl: string): void {
  ctx.print(
    `
tgsignal demo: the gateway is running against a built-in Telegram emulator (no bot token needed).
  gateway  ${gatewayUrl}
  config   ${sandbox.configFile}   (edits apply live)

1. Be the person: ask the bot for a key, as you would write «мой ключ» in Telegram:
     curl -s ${sandbox.playgroundUrl}/demo/say -d 'my key'

2. Be the admin: put that key next to a name in the config (replace KEY):
     echo '  alice: KEY' >> ${sandbox.configFile}

3. Be the system: notify alice with one curl:
     curl -s ${gatewayUrl}/notify -H 'Authorization: Bearer ${sandbox.clientToken}' \\
       -d to=alice -d text='Disk almost full on db1'

4. What alice receives appears below (and at ${sandbox.playgroundUrl}/demo/inbox).

Ctrl+C stops the demo and removes the sandbox.`,
    // The sandbox's client token is a throwaway the person must type: show it.
    { redact: false },
  );
}

async function playAuto(ctx: CliContext, sandbox: Sandbox, running: RunningGateway): Promise<number> {
  const step = (text: string) => ctx.print(`\n▶ ${text}`);
  step(`the person writes "my key" to the bot`);
  const reply = await (await fetch(`${sandbox.playgroundUrl}/demo/say`, { method: "POST", body: "my key" })).text();
  ctx.print(indent(reply.trim()));
  const key = new RegExp(`\\b${KEY_SOURCE}\\b`).exec(reply)?.[0];
  if (!key) return ctx.printError("demo: the bot did not reply with a key"), EXIT.runtime;

  step(`the admin adds "alice: ${key}" to ${sandbox.configFile}`);
  await appendFile(sandbox.configFile, `  alice: ${key}\n`);
  const assigned = await waitFor(() => running.gateway.store.current.users.has("alice"), 5000);
  if (!assigned) return ctx.printError("demo: the config edit did not apply"), EXIT.runtime;
  ctx.print(indent("config reloaded: alice is a known user"));

  step("the system notifies alice with one curl");
  ctx.print(indent(`curl -s ${running.url}/notify -H 'Authorization: Bearer …' -d to=alice -d text='Disk almost full on db1'`));
  const response = await fetch(`${running.url}/notify`, {
    method: "POST",
    headers: { Authorization: `Bearer ${sandbox.clientToken}` },
    body: new URLSearchParams({ to: "alice", text: "Disk almost full on db1" }),
  });
  ctx.print(indent(`HTTP ${response.status} ${await response.text()}`));
  const received = await sandbox.emulator
    .waitForSent((message: SentMessage) => message.chat_id === PERSON.id && message.plain_text.includes("Disk almost full"), 10_000)
    .catch(() => undefined);
  if (!received) return ctx.printError("demo: the notification did not reach alice"), EXIT.runtime;
  step(`${PERSON.first_name}'s Telegram shows:`);
  ctx.print(indent(received.plain_text));
  ctx.print("\nThe whole flow works. Next: README's quick start with a real bot.");
  return EXIT.ok;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

function indent(text: string): string {
  return text.split("\n").map((line) => `    ${line}`).join("\n");
}
