// The gateway side of events-longpoll.ts, in its own process so its RSS and CPU are its
// own: createGateway + the bot clients + addEvents (the events part of what `serve`
// wires), served by the Bun platform. The conversation that records people's messages
// lives in another layer; here `POST /record?user=USER` on a second, control listener
// records one event for USER, as it would, and answers "ID AT": the wall-clock time (ms,
// fractional) at which the record was durable. Not stdin: Bun reading a pipe costs about
// 20 ms/s of CPU while idle, which the idle long polls' CPU figure would count.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadConfigFile } from "../../src/config/load.ts";
import { createGateway } from "../../src/gateway/app.ts";
import { addEvents } from "../../src/gateway/events.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { BotClients } from "../../src/telegram/bot-clients.ts";

// From the bench: a temp dir (the bench removes it after killing this process), and two client
// tokens, one that reads everything and one that reads only a quiet user.
const [dir = "", READER, IDLE_READER] = process.argv.slice(2);
const file = join(dir, "config.yaml");
await writeFile(
  file,
  [
    "listen: 127.0.0.1:0",
    "data_dir: ./data",
    "clients:",
    `  reader: { token: ${READER}, receive: true }`,
    // Reads only a user who never writes: its long polls stay idle while events flow.
    `  idle: { token: ${IDLE_READER}, receive: true, allow: [quiet] }`,
    "bots:",
    '  main: { token: "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA", poll: "0 0 1 1 *" }',
    "users:",
    "  ivanov: 48213977",
    "  quiet: 51928374",
  ].join("\n") + "\n",
);
const load = () => loadConfigFile(bunPlatform, file, { env: {} });
const gateway = createGateway({ platform: bunPlatform, log: createMemoryLogger("warn"), clock: systemClock, env: {} }, await load(), load);
const bots = new BotClients({ platform: bunPlatform, clock: systemClock, metrics: gateway.metrics });
const inbox = await addEvents(gateway, bots);
await gateway.start();
const server = await bunPlatform.serve({ hostname: "127.0.0.1", port: 0, handler: gateway.router.handle });
let update = 0;
const control = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const user = new URL(req.url).searchParams.get("user") ?? "ivanov";
    const id = ++update;
    const { stored } = await inbox.record({
      source: { bot: "main", telegramBotId: 111111, updateId: id },
      event: {
        type: "message",
        at: new Date().toISOString(),
        bot: "main",
        user,
        key: "48213977",
        chat_id: 5001,
        message_id: id,
        from: { id: 5001, username: user, name: user },
        text: `message ${id}`,
        command: null,
        args: null,
        reply_to: null,
      },
      files: [],
    });
    return new Response(`${stored.event.id} ${performance.timeOrigin + performance.now()}`);
  },
});
process.stdout.write(`listening http://127.0.0.1:${server.port} http://127.0.0.1:${control.port}\n`);
