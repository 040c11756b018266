// parse → walk against the schema (positions, env) → resolve → one frozen Config.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve as resolvePath, relative } from "node:path";
import { LineCounter, parseDocument, type Node, type YAMLError } from "yaml";
import { ConfigError, type ConfigIssue } from "../lib/errors.ts";
import { redactor } from "../lib/redact.ts";
import { ConfigSchema, type RawConfig } from "./schema.ts";
import { resolveConfig } from "./resolve.ts";
import type { Config } from "./types.ts";
import { isInvalid, walkDocument, type WalkContext } from "./walk.ts";

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

/** Parses config text. Throws ConfigError with every positioned issue found. */
export function parseConfig(text: string, file: string, options: LoadOptions): Config {
  const display = options.displayName ?? displayPath(resolvePath(file));
  if (options.allowEmpty === false && text.trim() === "")
    throw fileError(display, "the file is empty (a write still in progress?); the last good config stays in force. To really run with nothing configured, write `users: {}`");
  const lineCounter = new LineCounter();
  // Duplicate keys are found by the walker (walk.ts): the parser's own check is quadratic.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, strict: true });
  const ctx: WalkContext = { file: display, doc, lineCounter, env: options.env, issues: [], positions: new Map(), substituted: [] };
  const yamlIssues = syntaxIssues(text, display, doc.errors, doc.warnings, lineCounter);
  if (doc.errors.length > 0) throw new ConfigError(yamlIssues);

  const contents = doc.contents as Node | null;
  const empty = contents === null || (contents as { value?: unknown }).value === null;
  const raw = empty ? {} : walkDocument(ctx, contents, ConfigSchema);
  ctx.issues.unshift(...yamlIssues);
  // Secrets from the environment are masked everywhere, even when the file is invalid.
  redactor.add(...ctx.substituted);
  const config = isInvalid(raw) ? undefined : resolveConfig(ctx, raw as RawConfig, hashText(text));
  if (!config) throw new ConfigError(sortIssues(ctx.issues));
  for (const client of config.clients.values()) redactor.add(client.token);
  for (const bot of config.bots.values()) {
    redactor.add(bot.token);
    if (bot.access.mode === "restricted" && bot.access.passphrase) redactor.add(bot.access.passphrase);
  }
  return config;
}

export async function loadConfigFile(file: string, options: LoadOptions): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(error);
    const display = options.displayName ?? displayPath(resolvePath(file));
    throw fileError(display, `cannot read config: ${reason}; pass -c FILE or set TGSIGNAL_CONFIG (start from config.example.yaml)`);
  }
  return parseConfig(text, file, options);
}

/** A problem with the file as a whole, reported at 1:1. */
function fileError(file: string, message: string): ConfigError {
  return new ConfigError([{ file, line: 1, col: 1, message, severity: "error" }]);
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

function displayPath(absolute: string): string {
  const rel = relative(process.cwd(), absolute);
  return rel.startsWith("..") || rel === "" ? absolute : rel;
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.col - b.col);
}
