// A small error family with stable codes and no transport in it: src/http/errors.ts maps a
// code to its HTTP status (the one registry), src/cli/context.ts maps a class to an exit
// code. Messages say how to fix the problem.

export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The caller's request is wrong: nothing was sent. `code` must be in the HTTP error
 * registry; `headers` go on the response (e.g. Retry-After, WWW-Authenticate).
 */
export class RequestError extends AppError {
  constructor(code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(code, message);
  }
}

/** A positioned problem in a config file. */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  message: string;
  severity: "error" | "warning";
}

export function formatIssue(issue: ConfigIssue): string {
  const prefix = issue.severity === "warning" ? "warning: " : "";
  return `${issue.file}:${issue.line}:${issue.col} ${prefix}${issue.message}`;
}

/** The config is invalid; carries every error found, not only the first. */
export class ConfigError extends AppError {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super("config_invalid", issues.map(formatIssue).join("\n"));
  }
}

/** The command line is wrong. */
export class UsageError extends AppError {
  constructor(message: string) {
    super("usage", message);
  }
}

/** Telegram answered `ok: false`. */
export class TelegramApiError extends AppError {
  constructor(
    readonly method: string,
    readonly errorCode: number,
    readonly description: string,
    readonly retryAfter?: number,
    readonly migrateToChatId?: number,
  ) {
    super("telegram_error", `Telegram ${method} failed: ${errorCode} ${description}`);
  }
}

/** Telegram could not be reached (DNS, refused, reset, timeout). */
export class NetworkError extends AppError {
  constructor(readonly method: string, message: string, options?: ErrorOptions) {
    super("network_error", `Telegram ${method} unreachable: ${message}`, options);
  }
}

/** Something on disk is wrong (damaged log, lock held). */
export class StateError extends AppError {}

/**
 * No space left where state is written: the disk is full (ENOSPC) or the user's quota is
 * used up (EDQUOT). The write was cut back, so nothing half-written stays. HTTP 507
 * storage_full (RFC 4918: Insufficient Storage); exit 3 like any data dir problem.
 */
export class StorageFullError extends StateError {
  constructor(readonly path: string, errno: string) {
    super("storage_full", `no space left for ${path} (${errno}); nothing was written. Free space on that disk (or raise the quota), then retry`);
  }
}

/** The errno codes of a full disk or a used-up quota. */
export function noSpaceCode(error: unknown): "ENOSPC" | "EDQUOT" | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT" ? code : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
