// A gateway process with the events inbox and webhooks only, for the kill -9 tests: the
// config file's clients, the real file-backed inbox (data_dir/inbox.log, opened by
// addEvents as `serve` opens it) and the webhook pusher over it. Once the pusher runs it
// prints "webhooks ready", then records COUNT messages from a person as the conversation
// does, in batches like getUpdates': update n is "message n". It records as fast as the
// receiver acknowledges (two batches ahead at most), so a kill lands while events are
// being appended and POSTed. Every start records the same updates again, as Telegram
// resends those whose offset was not confirmed before a crash: the inbox makes no second
// event of one it kept, and those it lost get the next ids. Logs to stderr.
//
//   bun test/integration/webhooks-child.ts CONFIG COUNT
import { createGateway } from "../../src/gateway/app.ts";
import { addEvents } from "../../src/gateway/events.ts";
import { addWebhooks } from "../../src/gateway/webhooks.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { BotClients } from "../../src/telegram/bot-clients.ts";
import { messageDraft } from "../events/event-fixtures.ts";

/** Updates per getUpdates batch, recorded together (their fsyncs shared, as the conversation's are). */
const BATCH = 10;

const [configFile, count] = process.argv.slice(2);
const load = () => loadConfigFile(bunPlatform, configFile!, { env: {} });
const gateway = createGateway({ platform: bunPlatform, log: createLogger({ level: "debug" }), clock: systemClock, env: {} }, await load(), load);
const bots = new BotClients({ platform: bunPlatform, clock: systemClock, metrics: gateway.metrics });
bots.apply(gateway.store.current);
const inbox = await addEvents(gateway, bots);
let wake = () => {};
const posted = () => new Promise<void>((resolve) => (wake = resolve));
const pushers = addWebhooks(gateway, inbox, {
  scale: 0.01,
  fetch: async (url, init) => {
    try {
      return await fetch(url, init);
    } finally {
      wake();
    }
  },
});
const acknowledged = () => Number(pushers.all()[0]?.[1].status.cursor ?? 0);
await gateway.start();
console.log("webhooks ready");
for (let first = 1; first <= Number(count); first += BATCH) {
  while (acknowledged() < first - 1 - BATCH) await posted();
  const batch = Array.from({ length: Math.min(BATCH, Number(count) - first + 1) }, (_, i) => first + i);
  await Promise.all(batch.map((n) => inbox.record(messageDraft(systemClock, { user: "ivanov", text: `message ${n}`, updateId: n }))));
}
// Nothing else holds the process open while the pushers wait on the inbox.
setInterval(() => {}, 1 << 30);
