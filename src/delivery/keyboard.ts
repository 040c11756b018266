// A notification's buttons as Telegram's inline keyboard, built with GramIO's
// InlineKeyboard. A data button carries a short handle (notification id + its index,
// counted row by row from 0 over all buttons), not its data: Telegram allows 64 bytes of
// callback_data, the gateway keeps up to 256 characters and looks the data up on a press
// (state.buttons.flat()[index]).
import { InlineKeyboard } from "gramio";
import type { TelegramInlineKeyboardMarkup } from "../telegram/api.ts";
import { packButtonHandle } from "../telegram/button-handle.ts";
import type { Button } from "./types.ts";

/** Telegram's limits on an inline keyboard. */
export const MAX_BUTTONS = 100;
export const MAX_BUTTONS_PER_ROW = 8;

/** The reply_markup for these rows, or undefined when there are no buttons. */
export function buildKeyboard(notificationId: string, rows: readonly Button[][] | undefined): TelegramInlineKeyboardMarkup | undefined {
  if (!rows || rows.every((row) => row.length === 0)) return undefined;
  const keyboard = new InlineKeyboard();
  let index = 0;
  for (const row of rows) {
    if (row.length === 0) continue;
    if (index > 0) keyboard.row();
    for (const button of row) {
      if ("url" in button) keyboard.url(button.text, button.url);
      else keyboard.text(button.text, packButtonHandle(notificationId, index));
      index++;
    }
  }
  return keyboard.build();
}
