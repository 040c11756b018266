// The gateway in-process, wired as `serve` wires it (createGateway + addComponents, then
// start), without the data-dir lock, the config watcher or an HTTP server: each harness
// adds what it needs. The config is reloaded from the same file, with an empty env.
// Telegram's timing runs TIME_SCALE times as fast (rate limits, backoff, retry_after);
// the fake Bot API gets the same scale, so its flood limits and 429s keep step.
import { createGateway, type Gateway } from "../../src/gateway/app.ts";
import { addComponents } from "../../src/gateway/components.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { systemClock } from "../../src/lib/clock.ts";
import type { Logger } from "../../src/lib/log.ts";
import type { Platform } from "../../src/platform/platform.ts";

/** Telegram's second lasts 100 ms in integration tests. */
export const TIME_SCALE = 0.1;

/** The environment that runs a gateway (in-process or `tgsignal serve`) at `scale`. */
export function timeScaleEnv(scale = TIME_SCALE): Record<string, string> {
  return { TGSIGNAL_TIME_SCALE: String(scale) };
}

export async function bootGateway(configFile: string, deps: { platform: Platform; log: Logger; timeScale?: number }): Promise<Gateway> {
  const load = () => loadConfigFile(deps.platform, configFile, { env: {} });
  const env = timeScaleEnv(deps.timeScale);
  const gateway = createGateway({ platform: deps.platform, log: deps.log, clock: systemClock, env }, await load(), load);
  await addComponents(gateway);
  await gateway.start();
  return gateway;
}
