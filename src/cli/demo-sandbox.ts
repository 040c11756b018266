// The demo's sandbox: a temp dir with a config, a Bot API emulator with one bot, and the
// playground server in front of it (the config's api_url). Nothing here needs a real token.
import { randomBytes, randomInt } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BotApiEmulator } from "../emulator/bot-api.ts";
import type { CliContext } from "./context.ts";
import { PersonChat } from "./demo-person.ts";
import { createPlayground } from "./demo-playground.ts";

export interface Sandbox {
  dir: string;
  configFile: string;
  /** The demo client's token: a throwaway, shown to the person so they can type it. */
  clientToken: string;
  botToken: string;
  emulator: BotApiEmulator;
  person: PersonChat;
  playgroundUrl: string;
  /** Stops the playground and removes the temp dir. */
  close(): Promise<void>;
}

export async function createSandbox(ctx: CliContext, port: number): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-demo-"));
  const emulator = new BotApiEmulator();
  const botToken = `${randomInt(100000000, 999999999)}:DEMO${randomBytes(18).toString("hex")}`;
  emulator.addBot({ token: botToken, id: Number(botToken.split(":")[0]), username: "tgsignal_demo_bot", first_name: "tgsignal demo" });
  const person = new PersonChat(emulator, botToken);
  const server = await ctx.platform.serve({ hostname: "127.0.0.1", port: 0, handler: createPlayground(emulator, person) });
  const playgroundUrl = `http://127.0.0.1:${server.port}`;
  const clientToken = `demo-${randomBytes(12).toString("hex")}`;
  const configFile = join(dir, "config.yaml");
  await writeFile(configFile, sandboxConfig({ port, clientToken, botToken, apiUrl: playgroundUrl }));
  return {
    dir,
    configFile,
    clientToken,
    botToken,
    emulator,
    person,
    playgroundUrl,
    async close() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function sandboxConfig(options: { port: number; clientToken: string; botToken: string; apiUrl: string }): string {
  return [
    "# tgsignal demo sandbox: edit me, changes apply live",
    `listen: 127.0.0.1:${options.port}`,
    "data_dir: ./data",
    "clients:",
    "  demo:",
    `    token: ${options.clientToken}`,
    "    receive: true # may read what people do: GET /events, reply_to",
    "bots:",
    "  demo:",
    "    title: tgsignal demo",
    `    token: "${options.botToken}"`,
    // Every second, so a key request or a press is answered at once in the demo.
    '    poll: "* * * * * *"',
    "    language: auto",
    `    api_url: ${options.apiUrl}`,
    "users:",
    "",
  ].join("\n");
}
