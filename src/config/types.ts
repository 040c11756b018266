import type { ConfigIssue } from "../lib/errors.ts";
import type { Language, TextName } from "./texts.ts";

/** The resolved, frozen config: defaults applied, names resolved, paths absolute. */
export interface Config {
  /** Absolute path of the file this came from. */
  readonly file: string;
  /** Hash of the file's bytes, to skip reloads that change nothing. */
  readonly contentHash: string;
  readonly listen: { readonly hostname: string; readonly port: number };
  readonly dataDir: string;
  readonly bodyLimit: number;
  /** The files of one request together (multipart, base64 attachments, a raw body), in bytes. */
  readonly uploadLimit: number;
  /** How long events from people are kept (ms). */
  readonly eventsRetentionMs: number;
  readonly clients: ReadonlyMap<string, ClientConfig>;
  readonly bots: ReadonlyMap<string, BotConfig>;
  readonly users: ReadonlyMap<string, UserConfig>;
  readonly groups: ReadonlyMap<string, GroupConfig>;
  /** key → user name */
  readonly keyOwners: ReadonlyMap<string, string>;
  readonly warnings: readonly ConfigIssue[];
}

export interface ClientConfig {
  readonly id: string;
  readonly token: string;
  /** Users/groups this client may notify; null = all. */
  readonly allow: readonly string[] | null;
  /** Where its Gotify messages go (POST /message names no recipient); null = not set. */
  readonly to: readonly string[] | null;
  readonly rateLimit: { readonly perSecond: number; readonly burst: number } | null;
  /** May read events (pull, push, files, reply_to): `receive: true` or a webhook. */
  readonly receive: boolean;
  readonly webhook: WebhookConfig | null;
  /** May use the admin API (list and revoke keys, reload the config). */
  readonly admin: boolean;
}

export interface WebhookConfig {
  /** http(s) URL; it may carry credentials, so log it only through redactUrl. */
  readonly url: string;
  readonly secret: string;
}

/** A /command of the bot's menu besides the built-in ones. */
export interface BotCommand {
  /** Lower case, without "/": 1–32 of a-z, 0-9, _. */
  readonly command: string;
  readonly description: string;
}

export type AccessConfig =
  | { readonly mode: "open" }
  | {
      readonly mode: "restricted";
      /** Telegram user ids allowed (empty + no usernames = anyone who knows the passphrase). */
      readonly userIds: readonly number[];
      /** Lower-case usernames without "@". */
      readonly usernames: readonly string[];
      readonly passphrase: string | null;
    };

export interface BotConfig {
  readonly id: string;
  readonly title: string;
  readonly token: string;
  readonly enabled: boolean;
  readonly poll: string;
  readonly timezone: string | null;
  readonly language: Language | "auto";
  /** Without trailing slash, e.g. https://api.telegram.org */
  readonly apiUrl: string;
  readonly proxy: string | null;
  /** Normalized (lower-case, punctuation stripped) phrases that ask for a key. */
  readonly keyPhrases: readonly string[];
  readonly texts: Readonly<Partial<Record<TextName, string>>>;
  readonly access: AccessConfig;
  /** Configured menu commands (built-ins not included), in config order. */
  readonly commands: readonly BotCommand[];
}

export interface UserConfig {
  readonly name: string;
  readonly keys: readonly string[];
}

export interface GroupConfig {
  readonly name: string;
  /** Direct members as written (users or groups). */
  readonly members: readonly string[];
  /** Every user reached, groups flattened, in first-seen order. */
  readonly users: readonly string[];
}

export const DEFAULTS = {
  listen: "127.0.0.1:8787",
  dataDir: "./data",
  bodyLimit: 1024 * 1024,
  /** Telegram's limit for files bots upload (50 MB, counted in MiB). */
  uploadLimit: 50 * 1024 * 1024,
  eventsRetention: "7d",
  poll: "* * * * *",
  language: "auto" as const,
  apiUrl: "https://api.telegram.org",
  keyPhrases: ["мой ключ", "ключ", "my key", "key"],
};
