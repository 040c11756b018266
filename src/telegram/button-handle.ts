// The handle a notification's button carries in Telegram's callback_data (at most 64
// bytes): which notification and which button, packed with GramIO's CallbackData. The
// button's own `data` (up to 256 characters) stays in the outbox; delivery packs handles,
// the conversation unpacks them (bot.callbackQuery(buttonHandle, ...)).
import { CallbackData } from "gramio";

/** `notification`: its id; `index`: the button's position counted row by row from 0. */
export const buttonHandle = new CallbackData("tgsignal-button").string("notification").number("index");

/** Telegram's limit on callback_data, in bytes. */
export const CALLBACK_DATA_LIMIT = 64;

export function packButtonHandle(notification: string, index: number): string {
  return buttonHandle.pack({ notification, index });
}

/** The handle, or undefined for callback_data that is not one (an old or foreign button). */
export function unpackButtonHandle(data: string): { notification: string; index: number } | undefined {
  if (!buttonHandle.filter(data)) return undefined;
  const unpacked = buttonHandle.safeUnpack(data);
  return unpacked.success ? unpacked.data : undefined;
}
