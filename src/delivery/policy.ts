// What to do when a sendMessage fails: a pure function from the error to an action, so
// every rule is tested on its own. Telegram facts behind the rules:
// - 429 carries parameters.retry_after (seconds); the whole bot must pause, not just the chat;
// - 403 "bot was blocked by the user" / "kicked" / "user is deactivated" and 400 "chat not
//   found" do not heal by retrying: the person has to talk to the bot again;
// - 400 "can't parse entities" means our markup is bad; the text itself is deliverable;
// - 400 with parameters.migrate_to_chat_id: the group became a supergroup with a new id;
// - 5xx, 401/404 from a proxy or a revoked token, and network failures are transient
//   from the message's point of view: keep it, retry with backoff, keep the chat's order.
import { NetworkError, TelegramApiError } from "../lib/errors.ts";

export type FailureAction =
  | { kind: "pause"; ms: number; reason: string }
  | { kind: "retry"; reason: string; ambiguous: boolean }
  | { kind: "blocked"; reason: string }
  | { kind: "fail"; reason: string }
  | { kind: "plain"; reason: string }
  | { kind: "migrate"; chatId: number; reason: string };

const BLOCKED = [/bot was blocked by the user/i, /bot was kicked/i, /user is deactivated/i, /chat not found/i, /bot is not a member/i, /have no rights to send/i];

export function classifyFailure(error: unknown): FailureAction {
  if (error instanceof TelegramApiError) return classifyTelegram(error);
  const reason = error instanceof Error ? error.message : String(error);
  // A timeout may hide a message Telegram did accept: a retry may duplicate it.
  return { kind: "retry", reason, ambiguous: error instanceof NetworkError };
}

function classifyTelegram(error: TelegramApiError): FailureAction {
  const { errorCode, description } = error;
  const reason = `${errorCode} ${description}`;
  if (errorCode === 429) return { kind: "pause", ms: Math.max(1, error.retryAfter ?? 5) * 1000, reason };
  if (error.migrateToChatId !== undefined) return { kind: "migrate", chatId: error.migrateToChatId, reason };
  if (errorCode === 403 || (errorCode === 400 && BLOCKED.some((pattern) => pattern.test(description))))
    return { kind: "blocked", reason };
  if (errorCode === 400 && /can't parse entities/i.test(description)) return { kind: "plain", reason };
  if (errorCode >= 500 || errorCode === 401 || errorCode === 404) return { kind: "retry", reason, ambiguous: false };
  // Other 4xx (thread not found, too long, ...): retrying sends the same bad request.
  return { kind: "fail", reason };
}

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
}

/** Capped exponential backoff: 1 s, 2 s, 4 s ... 60 s for attempt 1, 2, 3 ... */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 60_000;
  return Math.min(max, base * 2 ** Math.max(0, attempt - 1));
}

/** Accepted notifications are retried for this long, then reported failed. */
export const GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;
