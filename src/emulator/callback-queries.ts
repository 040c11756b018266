import { errors } from "./api-error.ts";
import type { CallbackQuery } from "./types.ts";

/**
 * Callback queries of one bot: created when a person presses a callback button, answered
 * by the bot with answerCallbackQuery. Telegram facts reproduced here:
 * - a query can be answered once; a second answer, an unknown id, or an answer after the
 *   client stopped waiting (about 15 s) is 400 "query is too old and response timeout
 *   expired or query ID is invalid";
 * - the answer's text is 0-200 characters (longer: 400 "MESSAGE_TOO_LONG").
 * The 15 s run on the emulator's clock (`now`), not scaled by `timeScale`.
 */

export const CALLBACK_ANSWER_TIMEOUT_MS = 15_000;
export const MAX_CALLBACK_ANSWER_TEXT = 200;

/** How the bot answered a press: what the person saw as a toast or an alert. */
export interface CallbackAnswer {
  text?: string;
  show_alert: boolean;
  url?: string;
  cache_time?: number;
  /** Emulator clock (ms) of the answer. */
  at: number;
}

interface PendingQuery {
  query: CallbackQuery;
  at: number;
  answer?: CallbackAnswer;
}

export class CallbackQueries {
  private readonly byId = new Map<string, PendingQuery>();
  private counter = 0;
  private readonly idPrefix: string;

  constructor(botId: number) {
    // Telegram's query ids are long decimal strings, unique per bot.
    this.idPrefix = String(botId);
  }

  /** Registers a press; the query gets its id here. */
  create(build: (id: string) => CallbackQuery, nowMs: number): CallbackQuery {
    this.counter += 1;
    const query = build(`${this.idPrefix}${String(this.counter).padStart(6, "0")}`);
    this.byId.set(query.id, { query, at: nowMs });
    return query;
  }

  answerOf(queryId: string): CallbackAnswer | undefined {
    const answer = this.byId.get(queryId)?.answer;
    return answer === undefined ? undefined : { ...answer };
  }

  answer(queryId: string, answer: CallbackAnswer): void {
    const pending = this.byId.get(queryId);
    if (!pending || pending.answer !== undefined || answer.at - pending.at > CALLBACK_ANSWER_TIMEOUT_MS) {
      throw errors.badRequest("query is too old and response timeout expired or query ID is invalid");
    }
    pending.answer = answer;
  }
}
