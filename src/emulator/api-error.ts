import type { ApiResponse, ResponseParameters } from "./types.ts";

/**
 * A Bot API refusal. Telegram answers with the HTTP status equal to `error_code`
 * and a JSON body `{"ok":false,"error_code":N,"description":"..."}`.
 */
export class ApiError extends Error {
  readonly error_code: number;
  readonly description: string;
  readonly parameters: ResponseParameters | undefined;

  constructor(error_code: number, description: string, parameters?: ResponseParameters) {
    super(description);
    this.name = "ApiError";
    this.error_code = error_code;
    this.description = description;
    this.parameters = parameters;
  }

  toJSON(): ApiResponse<never> {
    const body: ApiResponse<never> = {
      ok: false,
      error_code: this.error_code,
      description: this.description,
    };
    return this.parameters ? { ...body, parameters: this.parameters } : body;
  }
}

// Telegram's exact descriptions; clients (and the product) match on them.
export const errors = {
  unauthorized: () => new ApiError(401, "Unauthorized"),
  notFound: () => new ApiError(404, "Not Found"),
  badRequest: (detail: string) => new ApiError(400, `Bad Request: ${detail}`),
  chatNotFound: () => new ApiError(400, "Bad Request: chat not found"),
  blocked: () => new ApiError(403, "Forbidden: bot was blocked by the user"),
  kicked: () => new ApiError(403, "Forbidden: bot was kicked from the group chat"),
  migrated: (to: number) =>
    new ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat", {
      migrate_to_chat_id: to,
    }),
  textEmpty: () => new ApiError(400, "Bad Request: message text is empty"),
  tooLong: () => new ApiError(400, "Bad Request: message is too long"),
  cantParse: (detail: string) => new ApiError(400, `Bad Request: can't parse entities: ${detail}`),
  tooManyRequests: (retryAfter: number) =>
    new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter }),
  conflictOtherPoll: () =>
    new ApiError(
      409,
      "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    ),
  conflictWebhook: () =>
    new ApiError(
      409,
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    ),
} as const;

export function okResponse(result: unknown, description?: string): Response {
  const body: ApiResponse = description === undefined
    ? { ok: true, result }
    : { ok: true, result, description };
  return Response.json(body, { status: 200 });
}

export function errorResponse(error: ApiError): Response {
  return Response.json(error.toJSON(), { status: error.error_code });
}
