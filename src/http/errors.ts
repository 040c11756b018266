// The one place where errors become HTTP responses: {"error":{"code","message"}}.
import { AppError, RequestError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { redactor } from "../lib/redact.ts";

export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { code, message: redactor.redact(message) } }, { status, headers });
}

export function renderError(error: unknown, log: Logger): Response {
  if (error instanceof RequestError) return errorResponse(error.status, error.code, error.message, error.headers);
  if (error instanceof AppError) {
    log.error("request failed", { code: error.code, error: error.message });
    return errorResponse(error.status, error.code, error.message);
  }
  log.error("unexpected error while handling a request", { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return errorResponse(500, "internal", "internal error; see the gateway's log");
}
