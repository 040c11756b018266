import { describe, expect, test } from "bun:test";
import type { TelegramMessage, TelegramUpdate } from "../../src/emulator/types.ts";
import { ALICE, GROUP, makeEmulator, ok, TOKEN } from "./emulator-helpers.ts";

const bytes = (length: number, fill = 7) => new Uint8Array(length).fill(fill);

describe("people's messages", () => {
  test("a reply carries reply_to_message (the bot's message, one level deep)", async () => {
    const emulator = makeEmulator({ limits: false });
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    const asked = await ok<TelegramMessage>(emulator, "sendMessage", { chat_id: ALICE.id, text: "Which contract?", reply_parameters: { message_id: 1 } });
    const update = emulator.userWrites({ token: TOKEN, from: ALICE, text: "№ 17", reply_to_message_id: asked.message_id });
    expect(update.message?.reply_to_message).toEqual({
      message_id: asked.message_id,
      from: { id: 123456, is_bot: true, first_name: "Signal", username: "signal_bot" },
      chat: { id: ALICE.id, type: "private", first_name: "Alice", username: "alice" },
      date: asked.date,
      text: "Which contract?",
    });
    expect(emulator.messages(TOKEN, ALICE.id).map((m) => [m.sender, m.message.text])).toEqual([
      ["person", "hi"],
      ["bot", "Which contract?"],
      ["person", "№ 17"],
    ]);
    expect(() => emulator.userWrites({ token: TOKEN, from: ALICE, text: "?", reply_to_message_id: 99 })).toThrow(
      /chat 1001 shows no message 99 to reply to/,
    );
  });

  test("a mention of the bot in a group gets a mention entity; commands keep bot_command", () => {
    const emulator = makeEmulator();
    const update = emulator.userWrites({ token: TOKEN, chat: GROUP, from: ALICE, text: "@signal_bot /tasks@signal_bot mail a@b.org" });
    expect(update.message?.entities).toEqual([
      { type: "mention", offset: 0, length: 11 },
      { type: "bot_command", offset: 12, length: 17 },
    ]);
    expect(emulator.userWrites({ token: TOKEN, chat: GROUP, from: ALICE, text: "ping @ab" }).message?.entities).toBeUndefined();
  });

  test("a document: file metadata, a caption with caption_entities, a reply", async () => {
    const emulator = makeEmulator();
    emulator.userWrites({ token: TOKEN, from: ALICE, text: "hi" });
    const update = emulator.userSendsDocument({
      token: TOKEN,
      from: ALICE,
      bytes: bytes(1234),
      file_name: "Act 17.PDF",
      caption: "/upload contract",
      reply_to_message_id: 1,
    });
    expect(update.message).toMatchObject({
      message_id: 2,
      document: { file_name: "Act 17.PDF", mime_type: "application/pdf", file_size: 1234 },
      caption: "/upload contract",
      caption_entities: [{ type: "bot_command", offset: 0, length: 7 }],
      reply_to_message: { message_id: 1, text: "hi" },
    });
    expect(update.message?.document?.file_id).toStartWith("BQAC");
    expect(update.message?.text).toBeUndefined();
    const [queued] = await ok<TelegramUpdate[]>(emulator, "getUpdates", { offset: update.update_id });
    expect(queued).toEqual(update);
    const other = emulator.userSendsDocument({ token: TOKEN, from: ALICE, bytes: bytes(3), file_name: "notes", mime_type: "text/markdown" });
    expect(other.message?.document).toMatchObject({ file_name: "notes", mime_type: "text/markdown" });
    expect(other.message?.document?.file_id).not.toBe(update.message?.document?.file_id as string);
    expect(emulator.userSendsDocument({ token: TOKEN, from: ALICE, bytes: bytes(3), file_name: "blob.bin" }).message?.document?.mime_type)
      .toBe("application/octet-stream");
  });

  test("a photo: several sizes in Telegram's boxes, smallest first, the original last", () => {
    const emulator = makeEmulator();
    const update = emulator.userSendsPhoto({ token: TOKEN, from: ALICE, bytes: bytes(10_000), width: 1000, height: 750, caption: "the receipt" });
    const sizes = update.message?.photo ?? [];
    expect(sizes.map((s) => [s.width, s.height])).toEqual([[90, 68], [320, 240], [800, 600], [1000, 750]]);
    expect(sizes.at(-1)?.file_size).toBe(10_000);
    expect(sizes.map((s) => s.file_size ?? 0)).toEqual([...sizes.map((s) => s.file_size ?? 0)].sort((a, b) => a - b));
    expect(new Set(sizes.map((s) => s.file_id)).size).toBe(4);
    expect(update.message?.caption).toBe("the receipt");
    expect(update.message?.caption_entities).toBeUndefined();
    const tiny = emulator.userSendsPhoto({ token: TOKEN, from: ALICE, bytes: bytes(10), width: 64, height: 64 });
    expect(tiny.message?.photo?.map((s) => s.width)).toEqual([64]);
    expect(() => emulator.userSendsPhoto({ token: TOKEN, from: ALICE, bytes: bytes(1), width: 0, height: 5 })).toThrow(/positive width/);
    expect(() => emulator.userSendsDocument({ token: TOKEN, from: ALICE, bytes: bytes(1), file_name: "a", caption: "x".repeat(1025) })).toThrow(
      /caption is at most 1024/,
    );
  });
});
