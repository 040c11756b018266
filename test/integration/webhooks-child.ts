// A gateway process with webhooks only, for the kill -9 test: the config file's clients,
// addWebhooks over an inbox holding the same COUNT events at every start (the inbox's own
// durability is its store's test; here the cursor's is under test). Logs to stderr and
// prints "webhooks ready" once the pushers run.
//
//   bun test/integration/webhooks-child.ts CONFIG COUNT
import { createGateway } from "../../src/gateway/app.ts";
import { addWebhooks } from "../../src/gateway/webhooks.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { ScriptedInbox } from "../fakes/scripted-inbox.ts";

const [configFile, count] = process.argv.slice(2);
const load = () => loadConfigFile(bunPlatform, configFile!, { env: {} });
const gateway = createGateway({ platform: bunPlatform, log: createLogger({ level: "debug" }), clock: systemClock, env: {} }, await load(), load);
const inbox = new ScriptedInbox();
for (let i = 1; i <= Number(count); i++) inbox.add("ivanov", `message ${i}`, "2026-11-25T10:00:00.000Z");
addWebhooks(gateway, inbox, { scale: 0.01 });
await gateway.start();
console.log("webhooks ready");
// Nothing else holds the process open while the pushers wait on the inbox.
setInterval(() => {}, 1 << 30);
