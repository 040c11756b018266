// What a failed Bot API call means, decided once for every caller: the poller, the
// delivery worker and replies to people each turn the class into their own action.
// Telegram facts behind the classes:
// - 429 carries parameters.retry_after (seconds); Telegram's limits are per bot;
// - 401 is a revoked token, 404 a malformed one (the URL names no bot);
// - 409 on getUpdates: a webhook is set, or another instance polls the same bot;
// - 400 with parameters.migrate_to_chat_id: the group became a supergroup with a new id;
// - 403 "bot was blocked by the user" / "kicked" / "user is deactivated" and 400 "chat not
//   found" do not heal by retrying: the person has to talk to the bot again;
// - 400 "can't parse entities": our markup is bad, the text itself is deliverable;
// - 400 "message is not modified": an edit that changes nothing (the message already shows
//   it); "message to delete not found": it is gone already (deleted by hand, or by a try
//   whose answer was lost); "message can't be deleted" (older than 48 h in most chats) and
//   "message to edit not found" are final like any other 400;
// - 5xx and network failures are transient. A network failure may hide a request that
//   reached Telegram (a timeout, a reset after sending): retrying it may duplicate.
import { NetworkError, TelegramApiError } from "../lib/errors.ts";
import { redactor } from "../lib/redact.ts";

export type TelegramFailure =
  | { kind: "rate_limited"; retryAfterSeconds: number; reason: string; error: unknown }
  | { kind: "unauthorized"; reason: string; error: unknown }
  | { kind: "conflict"; reason: string; error: unknown }
  | { kind: "migrated"; chatId: number; reason: string; error: unknown }
  | { kind: "blocked"; reason: string; error: unknown }
  | { kind: "parse_error"; reason: string; error: unknown }
  /** 5xx or network; `ambiguous` when the request may have reached Telegram. */
  | { kind: "retryable"; source: "server" | "network"; ambiguous: boolean; reason: string; error: unknown }
  /** Any other 4xx (thread not found, text too long, ...): the same request fails again. */
  | { kind: "bad_request"; reason: string; error: unknown };

export type TelegramOutcome<T> = { kind: "ok"; value: T } | TelegramFailure;

const BLOCKED = [/bot was blocked by the user/i, /bot was kicked/i, /user is deactivated/i, /chat not found/i, /bot is not a member/i, /have no rights to send/i];

/** Without a retry_after, Telegram's usual pause. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

export function classifyFailure(error: unknown): TelegramFailure {
  if (error instanceof TelegramApiError) return classifyTelegram(error);
  if (error instanceof NetworkError) return { kind: "retryable", source: "network", ambiguous: true, reason: error.message, error };
  // Not from the transport (a bug, a fake): retry, but never echo a token it may carry.
  const message = redactor.redact(error instanceof Error ? error.message : String(error));
  return { kind: "retryable", source: "network", ambiguous: false, reason: `unexpected error: ${message}`, error };
}

function classifyTelegram(error: TelegramApiError): TelegramFailure {
  const { errorCode: code, description } = error;
  const reason = `${code} ${description}`;
  if (code === 429) return { kind: "rate_limited", retryAfterSeconds: Math.max(1, error.retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS), reason, error };
  if (code === 401 || code === 404) return { kind: "unauthorized", reason, error };
  if (code === 409) return { kind: "conflict", reason, error };
  if (error.migrateToChatId !== undefined) return { kind: "migrated", chatId: error.migrateToChatId, reason, error };
  if (code === 403 || (code === 400 && BLOCKED.some((pattern) => pattern.test(description)))) return { kind: "blocked", reason, error };
  if (code === 400 && /can't parse entities/i.test(description)) return { kind: "parse_error", reason, error };
  if (code >= 500) return { kind: "retryable", source: "server", ambiguous: false, reason, error };
  return { kind: "bad_request", reason, error };
}

/** An edit Telegram refused because the message already shows exactly that. */
export function isNotModified(failure: TelegramFailure): boolean {
  return failure.kind === "bad_request" && /message is not modified/i.test(failure.reason);
}

/**
 * A file_id Telegram no longer takes (or a photo's for a document): the file must be
 * uploaded again. In an album it is "failed to send message #N with the error message
 * "wrong file identifier/HTTP URL specified"", hence no anchor.
 */
export function isWrongFileId(failure: TelegramFailure): boolean {
  return failure.kind === "bad_request" && /wrong file identifier|wrong remote file identifier|can't use file of type/i.test(failure.reason);
}

/**
 * Telegram would not take the image as a photo (its processing failed, its dimensions or
 * size are out of bounds): it still goes, as a document.
 */
export function isPhotoRejected(failure: TelegramFailure): boolean {
  return failure.kind === "bad_request" && /PHOTO_INVALID_DIMENSIONS|IMAGE_PROCESS_FAILED|PHOTO_SAVE_FILE_INVALID|PHOTO_EXT_INVALID|too big for a photo/i.test(failure.reason);
}

/** A deletion Telegram refused because the message is already gone. */
export function isAlreadyDeleted(failure: TelegramFailure): boolean {
  return failure.kind === "bad_request" && /message to delete not found/i.test(failure.reason);
}
