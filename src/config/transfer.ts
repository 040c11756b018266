// The config crossing from the load worker (load-worker.ts) to the main thread.
// Structured clone carries Maps, but taking a 10,000-user config out of one message
// blocks the receiving thread for 5–10 ms (a 4 MiB one for far longer). So the worker
// sends it in slices of bounded size, and only when asked for the next one: Bun hands a
// thread every message already queued in one go (15 slices sent at once stalled it for
// 25 ms), so the main thread pulls one slice per turn of its event loop, and requests
// are served between them.
import type { ConfigIssue } from "../lib/errors.ts";
import type { CheckedConfig, LoadOptions } from "./load.ts";
import { deepFreeze } from "./resolve.ts";
import type { Config } from "./types.ts";

/** Main thread → worker: check this file, or send the next slice of the current result. */
export type ToWorker = { kind: "load"; request: LoadRequest } | { kind: "next" };

export interface LoadRequest {
  /** The file's bytes; their buffer is transferred, not copied. */
  bytes: Uint8Array<ArrayBuffer>;
  file: string;
  options: LoadOptions;
}

type MapName = "clients" | "bots" | "users" | "groups";
type ValueOf<K extends MapName> = Config[K] extends ReadonlyMap<string, infer V> ? V : never;
type Maps = { [K in MapName]: Map<string, ValueOf<K>> };
type Entries<K extends MapName> = { kind: "entries"; map: K; entries: Array<[string, ValueOf<K>]> };
type Head = Pick<Config, "file" | "contentHash" | "listen" | "dataDir" | "bodyLimit" | "uploadLimit" | "eventsRetentionMs">;

export type LoadReply =
  | { [K in MapName]: Entries<K> }[MapName]
  | { kind: "warnings"; issues: ConfigIssue[] }
  | { kind: "secrets"; secrets: string[] }
  /** The last message of a load: `head` when the config is valid, else the issues. */
  | { kind: "done"; head: Head | null; issues: readonly ConfigIssue[] }
  /** The check itself failed (a bug, or out of memory): not a config error. */
  | { kind: "crashed"; message: string };

/** Strings and numbers per message: well under 1 ms to take out. */
const SLICE_WEIGHT = 2_000;

/** The messages that carry `checked` over, in order. */
export function* replyParts(checked: CheckedConfig): Generator<LoadReply> {
  yield* sliced(checked.secrets, (secrets): LoadReply => ({ kind: "secrets", secrets }));
  const { config } = checked;
  if (!config) return yield { kind: "done", head: null, issues: checked.issues };
  yield* slicedEntries(config, "clients");
  yield* slicedEntries(config, "bots");
  yield* slicedEntries(config, "users");
  yield* slicedEntries(config, "groups");
  yield* sliced([...config.warnings], (issues): LoadReply => ({ kind: "warnings", issues }));
  const { file, contentHash, listen, dataDir, bodyLimit, uploadLimit, eventsRetentionMs } = config;
  yield { kind: "done", head: { file, contentHash, listen, dataDir, bodyLimit, uploadLimit, eventsRetentionMs }, issues: [] };
}

function slicedEntries<K extends MapName>(config: Config, map: K): Generator<Entries<K>> {
  const entries = [...(config[map] as ReadonlyMap<string, ValueOf<K>>).entries()];
  return sliced(entries, (slice) => ({ kind: "entries", map, entries: slice }));
}

function* sliced<T, R>(items: T[], wrap: (slice: T[]) => R): Generator<R> {
  let start = 0;
  let weight = 0;
  for (let index = 0; index < items.length; index++) {
    weight += weightOf(items[index]);
    if (weight >= SLICE_WEIGHT || index === items.length - 1) {
      yield wrap(items.slice(start, index + 1));
      start = index + 1;
      weight = 0;
    }
  }
}

/** Roughly how many values an item holds: an entry's object and its lists, one level down. */
function weightOf(item: unknown): number {
  if (Array.isArray(item)) return item.reduce((sum: number, part: unknown) => sum + weightOf(part), 0);
  if (item === null || typeof item !== "object") return 1;
  let weight = 1;
  for (const value of Object.values(item)) weight += Array.isArray(value) ? value.length : 1;
  return weight;
}

/** Rebuilds the frozen Config from the slices as they arrive, a little per message. */
export class ConfigAssembler {
  readonly #maps: Maps = { clients: new Map(), bots: new Map(), users: new Map(), groups: new Map() };
  readonly #keyOwners = new Map<string, string>();
  readonly #warnings: ConfigIssue[] = [];
  readonly secrets: string[] = [];

  add(reply: LoadReply): void {
    if (reply.kind === "secrets") this.secrets.push(...reply.secrets);
    if (reply.kind === "warnings") this.#warnings.push(...reply.issues);
    if (reply.kind === "entries") this.#put(reply);
    // Derived here rather than sent: key → user name, in the order resolve.ts builds it.
    if (reply.kind === "entries" && reply.map === "users")
      for (const [name, user] of reply.entries) for (const key of user.keys) this.#keyOwners.set(key, name);
  }

  #put<K extends MapName>(reply: Entries<K>): void {
    const map: Map<string, ValueOf<K>> = this.#maps[reply.map];
    for (const [name, value] of reply.entries) map.set(name, deepFreeze(value));
  }

  finish(head: Head): Config {
    const { clients, bots, users, groups } = this.#maps;
    const config: Config = { ...head, clients, bots, users, groups, keyOwners: this.#keyOwners, warnings: this.#warnings };
    Object.freeze(head.listen);
    deepFreeze(this.#warnings);
    for (const map of [clients, bots, users, groups, this.#keyOwners]) Object.freeze(map);
    return Object.freeze(config);
  }
}
