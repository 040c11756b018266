// The inline keyboard built from a notification's buttons with GramIO's InlineKeyboard.
import { expect, test } from "bun:test";
import { buildKeyboard } from "../../src/delivery/keyboard.ts";
import { unpackButtonHandle } from "../../src/telegram/button-handle.ts";

test("rows as given; data buttons carry (notification, index over all buttons); url buttons their link", () => {
  const markup = buildKeyboard("0mx2azu9ve358c7a2f7", [[{ text: "Open", url: "https://erp.local/42" }, { text: "Approve", data: "a".repeat(256) }], [{ text: "Reject", data: "r" }]]);
  expect(markup!.inline_keyboard.map((row) => row.map((button) => button.text))).toEqual([["Open", "Approve"], ["Reject"]]);
  expect(markup!.inline_keyboard[0]![0]).toEqual({ text: "Open", url: "https://erp.local/42" });
  const handles = markup!.inline_keyboard.flat().flatMap((button) => ("callback_data" in button ? [unpackButtonHandle(button.callback_data!)] : []));
  expect(handles).toEqual([{ notification: "0mx2azu9ve358c7a2f7", index: 1 }, { notification: "0mx2azu9ve358c7a2f7", index: 2 }]);
});

test("no buttons, or only empty rows: no keyboard", () => {
  expect(buildKeyboard("n", undefined)).toBeUndefined();
  expect(buildKeyboard("n", [])).toBeUndefined();
  expect(buildKeyboard("n", [[]])).toBeUndefined();
});
