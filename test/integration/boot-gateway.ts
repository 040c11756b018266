// The gateway in-process, wired as `serve` wires it (createGateway + addComponents, then
// start), without the data-dir lock, the config watcher or an HTTP server: each harness
// adds what it needs. The config is reloaded from the same file, with an empty env.
import { createGateway, type Gateway } from "../../src/app.ts";
import { addComponents } from "../../src/components.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { systemClock } from "../../src/lib/clock.ts";
import type { Logger } from "../../src/lib/log.ts";
import type { Platform } from "../../src/platform/platform.ts";

export async function bootGateway(configFile: string, deps: { platform: Platform; log: Logger }): Promise<Gateway> {
  const load = () => loadConfigFile(deps.platform, configFile, { env: {} });
  const gateway = createGateway({ platform: deps.platform, log: deps.log, clock: systemClock, env: {} }, await load(), load);
  await addComponents(gateway);
  await gateway.start();
  return gateway;
}
