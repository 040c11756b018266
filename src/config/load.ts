// read (bounded) → parse → walk against the schema (positions, env) → resolve → one frozen Config.
import { createHash } from "node:crypto";
import { resolve as resolvePath, relative } from "node:path";
import { LineCounter, parseDocument, type Node, type YAMLError } from "yaml";
import { ConfigError, type ConfigIssue } from "../lib/errors.ts";
import { redactor } from "../lib/redact.ts";
import type { Platform } from "../platform/platform.ts";
import { Aliases } from "./aliases.ts";
import { ConfigSchema, type RawConfig } from "./schema.ts";
import { resolveConfig } from "./resolve.ts";
import { urlCredentials } from "./secrets.ts";
import type { Config } from "./types.ts";
import { isInvalid, MAX_LISTED_ISSUES, walkDocument, type WalkContext } from "./walk.ts";

export interface LoadOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** How the file is named in messages (default: relative to the working directory). */
  displayName?: string;
  /**
   * False on reloads: an empty file then is far more likely a write in progress
   * (`cat > config.yaml`, scp) than a wish to drop every bot and user.
   */
  allowEmpty?: boolean;
}

/** A config is read whole on every reload: a 10,000-user one is about 300 KiB. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** The outcome of checking config text: a Config, or the issues; secrets either way. */
export interface CheckedConfig {
  config?: Config;
  issues: readonly ConfigIssue[];
  /** Values never to print: tokens, passphrases, URL credentials, secrets from the environment. */
  secrets: string[];
}

/** Checks config text without touching any global state, so it can run in a worker. */
export function checkConfigText(text: string, file: string, options: LoadOptions): CheckedConfig {
  const display = options.displayName ?? displayPath(resolvePath(file));
  if (options.allowEmpty === false && text.trim() === "")
    return { issues: fileError(display, "the file is empty (a write still in progress?); the last good config stays in force. To really run with nothing configured, write `users: {}`").issues, secrets: [] };
  const lineCounter = new LineCounter();
  // Duplicate keys are found by the walker (walk.ts): the parser's own check is quadratic.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, strict: true });
  const ctx: WalkContext = { file: display, lineCounter, env: options.env, issues: [], positions: new Map(), substituted: [], aliases: new Aliases(doc) };
  const yamlIssues = syntaxIssues(text, display, doc.errors, doc.warnings, lineCounter);
  if (doc.errors.length > 0) return { issues: listed(yamlIssues), secrets: [] };

  const contents = doc.contents as Node | null;
  const empty = contents === null || (contents as { value?: unknown }).value === null;
  const raw = empty ? {} : walkDocument(ctx, contents, ConfigSchema);
  ctx.issues.unshift(...yamlIssues);
  // Secrets from the environment are masked everywhere, even when the file is invalid.
  const secrets = [...ctx.substituted];
  const config = isInvalid(raw) ? undefined : resolveConfig(ctx, raw as RawConfig, hashText(text));
  if (!config) return { issues: listed(sortIssues(ctx.issues)), secrets };
  for (const client of config.clients.values()) {
    secrets.push(client.token);
    if (client.webhook) secrets.push(client.webhook.secret, ...urlCredentials(client.webhook.url));
  }
  for (const bot of config.bots.values()) {
    secrets.push(bot.token, ...urlCredentials(bot.apiUrl), ...urlCredentials(bot.proxy ?? ""));
    if (bot.access.mode === "restricted" && bot.access.passphrase) secrets.push(bot.access.passphrase);
  }
  return { config, issues: config.warnings, secrets };
}

/** Parses config text on this thread. Throws ConfigError with every positioned issue found. */
export function parseConfig(text: string, file: string, options: LoadOptions): Config {
  const checked = checkConfigText(text, file, options);
  redactor.add(...checked.secrets);
  if (!checked.config) throw new ConfigError(checked.issues);
  return checked.config;
}

/** Reads and parses the config on this thread in one call (tests, benches); the CLI uses ConfigLoader (off-thread.ts). */
export async function loadConfigFile(platform: Platform, file: string, options: LoadOptions): Promise<Config> {
  const displayName = options.displayName ?? displayPath(resolvePath(file));
  const bytes = await readConfigFile(platform, file, displayName);
  return parseConfig(new TextDecoder().decode(bytes), file, { ...options, displayName });
}

const KINDS = { directory: "a directory", fifo: "a FIFO (named pipe)", socket: "a socket", device: "a device", other: "not a regular file" };

/**
 * The file's bytes, refused unless it is a regular file of at most MAX_CONFIG_BYTES (a
 * symlink to one is fine: Kubernetes mounts ConfigMaps that way). A FIFO would block
 * every reload and /dev/zero would fill memory, so the kind is checked before opening,
 * and no more than the cap is ever read, even from a file that grows meanwhile.
 */
export async function readConfigFile(platform: Platform, file: string, display: string): Promise<Uint8Array<ArrayBuffer>> {
  const cap = `${MAX_CONFIG_BYTES / 1024 / 1024} MiB (${MAX_CONFIG_BYTES.toLocaleString("en")} bytes; a 10,000-user config is about 300 KiB)`;
  const tooBig = (size: string) => fileError(display, `the file is ${size}; a config may be at most ${cap}`);
  let target = file;
  const notRegular = (kind: keyof typeof KINDS) => {
    const via = target === resolvePath(file) ? "" : ` (it leads to ${target})`;
    return fileError(display, `cannot read config: it is ${KINDS[kind]}${via}, not a regular file; point -c at a regular file (a symlink to one is fine)`);
  };
  try {
    target = await platform.realPath(file);
    const info = await platform.stat(target);
    if (info.kind !== "file") throw notRegular(info.kind);
    if (info.size > MAX_CONFIG_BYTES) throw tooBig(`${info.size.toLocaleString("en")} bytes`);
    const bytes = await platform.readAtMost(target, MAX_CONFIG_BYTES + 1);
    if (bytes.length > MAX_CONFIG_BYTES) throw tooBig("still growing past the cap");
    return bytes;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // Replaced between the stat and the open (an editor's rename, a FIFO swapped in): the same answer.
    const kind = (error as { kind?: string }).kind;
    if (kind !== undefined && kind !== "file" && Object.hasOwn(KINDS, kind)) throw notRegular(kind as keyof typeof KINDS);
    const code = (error as { code?: string }).code;
    const reason = code === "ENOENT" ? "file not found" : String(error);
    throw fileError(display, `cannot read config: ${reason}; pass -c FILE or set TGSIGNAL_CONFIG (start from config.example.yaml)`);
  }
}

/** A problem with the file as a whole, reported at 1:1. */
function fileError(file: string, message: string): ConfigError {
  return new ConfigError([{ file, line: 1, col: 1, message, severity: "error" }]);
}

/** The first MAX_LISTED_ISSUES issues, then one that says how many more there are. */
function listed(issues: readonly ConfigIssue[]): readonly ConfigIssue[] {
  if (issues.length <= MAX_LISTED_ISSUES) return issues;
  const last = issues[MAX_LISTED_ISSUES - 1]!;
  const more = issues.length - MAX_LISTED_ISSUES;
  return [...issues.slice(0, MAX_LISTED_ISSUES), { ...last, message: `${more} more problems after this line are not listed; fix these first`, severity: "error" }];
}

function syntaxIssues(text: string, file: string, errors: YAMLError[], warnings: YAMLError[], lineCounter: LineCounter): ConfigIssue[] {
  const hinted = new Set<number>();
  const issue = (problem: YAMLError, severity: ConfigIssue["severity"]): ConfigIssue => {
    const at = lineCounter.linePos(problem.pos[0]);
    const hint = hinted.has(at.line) ? "" : flowReferenceHint(text, lineCounter, at.line);
    if (hint) hinted.add(at.line);
    return { file, line: at.line, col: at.col, message: `YAML syntax error: ${problem.message.replace(/\s+/g, " ").trim()}${hint}`, severity };
  };
  return [...errors.map((error) => issue(error, "error")), ...warnings.map((warning) => issue(warning, "warning"))];
}

/**
 * `{` and `}` end a plain scalar inside [ ] and { }, so YAML itself rejects
 * `access: { passphrase: ${P} }`; its message ("Missing , or :") does not say why.
 */
function flowReferenceHint(text: string, lineCounter: LineCounter, line: number): string {
  const start = lineCounter.lineStarts[line - 1] ?? 0;
  const end = lineCounter.lineStarts[line] ?? text.length;
  return /[[{][^"'#]*(?<!\$)\$\{/.test(text.slice(start, end))
    ? '; inside [ ] or { }, a ${VAR} reference must be quoted: "${VAR}"'
    : "";
}

export function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function displayPath(absolute: string): string {
  const rel = relative(process.cwd(), absolute);
  return rel.startsWith("..") || rel === "" ? absolute : rel;
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.col - b.col);
}
