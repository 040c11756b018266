// Errors on the ntfy and Gotify routes, in each peer's own shape: their clients read
// those (ntfy: {"code":40101,"http":401,"error":"unauthorized"}; Gotify:
// {"error":"Unauthorized","errorCode":401,"errorDescription":"…"}). The answer is the
// registry's (status, message, headers such as Retry-After), and the registry code rides
// in the X-Tgsignal-Error header for programs, as in {"error":{"code"}} on /notify.
import type { Logger } from "../../lib/log.ts";
import { maskBotTokens } from "../../lib/redact.ts";
import { answerError, ERRORS, type ErrorAnswer, type ErrorCode } from "../errors.ts";
import type { RequestContext, RouteHandler } from "../router.ts";

export type PeerShape = "ntfy" | "gotify";

/**
 * ntfy's error codes (server/errors.go) where one means the same thing; any other code is
 * the status times 100 (ntfy's own scheme: 40000 is its "invalid request").
 */
const NTFY_CODES: Partial<Record<ErrorCode, number>> = {
  unauthorized: 40101,
  forbidden: 40301,
  forbidden_recipient: 40301,
  no_recipients: 40301,
  bad_at: 40004,
  bad_delay: 40004,
  bad_priority: 40007,
  missing_recipient: 40009,
  unknown_recipient: 40009,
  bad_body: 40011,
  bad_actions: 40018,
  bad_buttons: 40018,
  bad_json: 40024,
  body_too_large: 41301,
  rate_limited: 42901,
  internal: 50001,
};

/** Go's http.StatusText, which Gotify puts in "error". */
const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  413: "Request Entity Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  507: "Insufficient Storage",
};

export function ntfyErrorCode(code: ErrorCode): number {
  return NTFY_CODES[code] ?? ERRORS[code].status * 100;
}

export function peerErrorResponse(shape: PeerShape, answer: ErrorAnswer): Response {
  const status = ERRORS[answer.code].status;
  const message = maskBotTokens(answer.message);
  const body =
    shape === "ntfy"
      ? { code: ntfyErrorCode(answer.code), http: status, error: message }
      : { error: STATUS_TEXT[status] ?? "Error", errorCode: status, errorDescription: message };
  return Response.json(body, { status, headers: { ...answer.headers, "X-Tgsignal-Error": answer.code } });
}

/** A route whose every refusal (and failure) is answered in the peer's shape. */
export function peerRoute(shape: PeerShape, log: Logger, handler: RouteHandler): RouteHandler {
  return async (req: Request, ctx: RequestContext) => {
    try {
      return await handler(req, ctx);
    } catch (error) {
      return peerErrorResponse(shape, answerError(error, log));
    }
  };
}
