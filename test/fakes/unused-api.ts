import type { TelegramApi } from "../../src/telegram/api.ts";

/** A TelegramApi whose every call fails with "not used": tests override the calls they expect. */
export function unusedApi(): TelegramApi {
  const unused = () => Promise.reject(new Error("not used"));
  return {
    getMe: unused,
    getWebhookInfo: unused,
    getMyDescription: unused,
    getUpdates: unused,
    sendMessage: unused,
    getChatMember: unused,
    editMessageText: unused,
    editMessageReplyMarkup: unused,
    deleteMessage: unused,
    setMessageReaction: unused,
    answerCallbackQuery: unused,
    setMyCommands: unused,
    getFile: unused,
    downloadFile: unused,
    sendDocument: unused,
    sendPhoto: unused,
    sendMediaGroup: unused,
  };
}
