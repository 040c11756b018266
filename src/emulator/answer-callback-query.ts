import { errors } from "./api-error.ts";
import { MAX_CALLBACK_ANSWER_TEXT, type CallbackAnswer } from "./callback-queries.ts";
import type { MethodContext, MethodResult } from "./method-context.ts";

/** answerCallbackQuery: records the answer on the query (see callback-queries.ts for the rules). */
export function answerCallbackQuery(ctx: MethodContext): MethodResult {
  const { params } = ctx;
  const text = params.string("text");
  if (text !== undefined && [...text].length > MAX_CALLBACK_ANSWER_TEXT) throw errors.badRequest("MESSAGE_TOO_LONG");
  const url = params.string("url");
  const cacheTime = params.int("cache_time");
  const answer: CallbackAnswer = {
    show_alert: params.bool("show_alert") ?? false,
    at: ctx.now(),
    ...(text === undefined || text === "" ? {} : { text }),
    ...(url === undefined || url === "" ? {} : { url }),
    ...(cacheTime === undefined ? {} : { cache_time: cacheTime }),
  };
  ctx.bot.callbackQueries.answer(params.string("callback_query_id") ?? "", answer);
  ctx.onChange();
  return { result: true };
}
