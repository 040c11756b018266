// Reading a person's message: mentions of the bot cut out at Telegram's UTF-16 offsets,
// replies to our messages, files, and the kinds that are not passed on.
import { expect, test } from "bun:test";
import { extensionOf, readContent } from "../../src/inbound/message-content.ts";
import type { TelegramMessage } from "../../src/telegram/api.ts";

const US = { id: 1, username: "Signal_Bot" };
const base = { message_id: 9, date: 0, chat: { id: 5, type: "group" as const, title: "Ops" }, from: { id: 5, is_bot: false, first_name: "Olga" } };
const msg = (fields: Partial<TelegramMessage>) => ({ ...base, ...fields }) as TelegramMessage;
const mentionAt = (text: string, handle: string, from = 0) => ({ type: "mention" as const, offset: text.indexOf(handle, from), length: handle.length });

test("every mention of the bot is cut out with the spaces around it; other mentions stay; case does not matter", () => {
  const text = "👋🏽 @signal_bot please ask @anna and @SIGNAL_BOT";
  const content = readContent(msg({ text, entities: [mentionAt(text, "@signal_bot"), mentionAt(text, "@anna"), mentionAt(text, "@SIGNAL_BOT")] }), US)!;
  expect(content).toMatchObject({ text: "👋🏽 please ask @anna and", isText: true, mentionsUs: true, files: [] });
});

test("without our username (getMe not answered yet) no mention is recognised; text without mentions stays as written", () => {
  const text = "@signal_bot  hi ";
  expect(readContent(msg({ text, entities: [mentionAt(text, "@signal_bot")] }), { id: 1, username: undefined })).toMatchObject({ text, mentionsUs: false });
});

test("a reply to one of our messages, and only ours, is noted", () => {
  const ours = msg({ message_id: 3, from: { id: 1, is_bot: true, first_name: "Signal" } });
  expect(readContent(msg({ text: "ok", reply_to_message: ours }), US)!.repliesTo).toBe(3);
  expect(readContent(msg({ text: "ok", reply_to_message: msg({ message_id: 4 }) }), US)!.repliesTo).toBeUndefined();
});

test("kinds that are not passed on: no text and no document or photo", () => {
  expect(readContent(msg({ sticker: { file_id: "s", file_unique_id: "s", type: "regular", width: 1, height: 1, is_animated: false, is_video: false } }), US)).toBeUndefined();
  expect(readContent(msg({ migrate_to_chat_id: -100 }), US)).toBeUndefined();
  expect(readContent(msg({ location: { latitude: 1, longitude: 2 } }), US)).toBeUndefined();
});

test("a document without a name is named after its MIME type", () => {
  expect(extensionOf("application/pdf")).toBe("pdf");
  expect(extensionOf("Image/PNG; charset=binary")).toBe("png");
  expect(extensionOf("image/heic")).toBe("heic");
  expect(extensionOf("application/x-very-long-subtype")).toBe("bin");
  expect(extensionOf("constructor")).toBe("bin");
  expect(extensionOf("text/markdown")).toBe("markdown");
});
