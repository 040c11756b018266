// The running webhook pushers, one per client with a webhook. `apply` brings them in line
// with a new list (at start and on every config reload): new clients start, removed ones
// stop, and a changed url, secret or readable set restarts that client's pusher, which
// resumes from its cursor file. Pushers never wait on each other.
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { Platform } from "../platform/platform.ts";
import type { InboxEvent, InboxStore } from "./types.ts";
import { WebhookCursor } from "./webhook-cursor.ts";
import { showWebhookUrl, type FetchLike, type WebhookTarget } from "./webhook-post.ts";
import { WebhookPusher, type WebhookEvents, type WebhookTiming } from "./webhook.ts";

export interface WebhookSpec {
  client: string;
  target: WebhookTarget;
  accepts: (event: InboxEvent) => boolean;
  /** Equal for equal `accepts`: a change restarts the pusher (it may now read other events). */
  scope: string;
}

export interface WebhookPushersOptions {
  inbox: InboxStore;
  platform: Pick<Platform, "readTextFile" | "writeFileAtomic">;
  dataDir: string;
  fetch: FetchLike;
  clock: Clock;
  log: Logger;
  timing?: WebhookTiming;
  events?: WebhookEvents;
  random?: () => number;
}

interface Running {
  spec: WebhookSpec;
  pusher: WebhookPusher;
}

export class WebhookPushers {
  readonly #running = new Map<string, Running>();
  /** apply and stop run one at a time: a reload racing shutdown must not start loops after it. */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(private readonly options: WebhookPushersOptions) {}

  /** Starts, stops and restarts pushers so that exactly `specs` run. After stop(), does nothing. */
  apply(specs: readonly WebhookSpec[]): Promise<void> {
    return this.#serially(() => (this.#closed ? Promise.resolve() : this.#apply(specs)));
  }

  /** Stops every pusher (a POST in flight is aborted; its event is sent again next time). */
  stop(): Promise<void> {
    this.#closed = true;
    return this.#serially(async () => {
      const running = [...this.#running.values()];
      this.#running.clear();
      await Promise.all(running.map(({ pusher }) => pusher.stop()));
    });
  }

  get(client: string): WebhookPusher | undefined {
    return this.#running.get(client)?.pusher;
  }

  all(): Array<[string, WebhookPusher]> {
    return [...this.#running].map(([client, running]) => [client, running.pusher]);
  }

  #serially(step: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(step);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #apply(specs: readonly WebhookSpec[]): Promise<void> {
    const wanted = new Map(specs.map((spec) => [spec.client, spec]));
    const stopping: Array<Promise<void>> = [];
    for (const [client, running] of this.#running) {
      const next = wanted.get(client);
      if (next && sameSpec(running.spec, next)) {
        wanted.delete(client);
        continue;
      }
      this.#running.delete(client);
      stopping.push(running.pusher.stop());
      this.options.log.info(next ? "webhook settings changed: the pusher restarts from its cursor" : "webhook removed: pusher stopped", {
        component: "webhooks",
        client,
      });
    }
    // A restarted client's old loop must be gone (its cursor saved) before the new one reads it.
    await Promise.all(stopping);
    for (const spec of wanted.values()) this.#start(spec);
  }

  #start(spec: WebhookSpec): void {
    const { inbox, platform, dataDir, fetch, clock, log, timing, events, random } = this.options;
    const cursor = new WebhookCursor(platform, dataDir, spec.client);
    const pusher = new WebhookPusher({ client: spec.client, target: spec.target, accepts: spec.accepts, inbox, cursor, fetch, clock, log, timing, events, random });
    this.#running.set(spec.client, { spec, pusher });
    log.info("webhook pusher started", { component: "webhooks", client: spec.client, url: showWebhookUrl(spec.target.url) });
    pusher.start();
  }
}

function sameSpec(a: WebhookSpec, b: WebhookSpec): boolean {
  return a.target.url === b.target.url && a.target.secret === b.target.secret && a.scope === b.scope;
}
