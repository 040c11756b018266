import { redactor, type Redactor } from "./redact.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  format?: "text" | "json";
  level?: LogLevel;
  /** Where finished lines go (one call per line, newline included). Defaults to stderr. */
  write?: (line: string) => void;
  redactor?: Redactor;
  now?: () => Date;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function parseLogLevel(value: string | undefined): LogLevel {
  const level = (value ?? "info").toLowerCase();
  return level in LEVELS ? (level as LogLevel) : "info";
}

/** One line per event: text for terminals, JSON for log shippers. Every line is redacted. */
export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const format = options.format ?? "text";
  const min = LEVELS[options.level ?? "info"];
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const redact = options.redactor ?? redactor;
  const now = options.now ?? (() => new Date());

  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (LEVELS[level] < min) return;
    const all = { ...bound, ...fields };
    const line =
      format === "json"
        ? JSON.stringify({ time: now().toISOString(), level, msg, ...serializeFields(all) })
        : `${now().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${formatTextFields(all)}`;
    write(redact.redact(line) + "\n");
  };

  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

function serializeFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? value.message : value;
  }
  return out;
}

function formatTextFields(fields: LogFields): string {
  let out = "";
  for (const [key, raw] of Object.entries(serializeFields(fields))) {
    if (raw === undefined) continue;
    const value = typeof raw === "string" ? raw : JSON.stringify(raw);
    out += ` ${key}=${/[\s"=]/.test(value) ? JSON.stringify(value) : value}`;
  }
  return out;
}

/** A logger that records lines, for tests and for commands that print their own output. */
export function createMemoryLogger(level: LogLevel = "debug"): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ format: "text", level, write: (line) => lines.push(line.trimEnd()) });
  return Object.assign(logger, { lines });
}
