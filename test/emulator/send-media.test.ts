// sendDocument, sendPhoto and sendMediaGroup in the emulator: multipart uploads and file_id
// reuse, with Telegram's limits and its error descriptions, and what each chat received.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import type { BotApiEmulator } from "../../src/emulator/bot-api.ts";
import { jpegBytes, pdfBytes, pngBytes } from "../fakes/images.ts";
import { ALICE, call, GROUP, makeEmulator, OTHER_TOKEN, TOKEN, type CallResult } from "./emulator-helpers.ts";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A multipart call, as GramIO makes it: files as parts, objects as JSON text. */
async function upload(emulator: BotApiEmulator, method: string, params: Record<string, unknown>, files: Record<string, File> = {}, token = TOKEN): Promise<CallResult> {
  const form = new FormData();
  for (const [key, value] of Object.entries(params)) form.set(key, typeof value === "object" ? JSON.stringify(value) : String(value));
  for (const [key, file] of Object.entries(files)) form.set(key, file);
  const response = await emulator.fetch(new Request(`http://api.test/bot${token}/${method}`, { method: "POST", body: form }));
  return { status: response.status, body: (await response.json()) as CallResult["body"] };
}

const file = (bytes: Uint8Array, name: string, type = "") => new File([bytes as Uint8Array<ArrayBuffer>], name, { type });

function emulatorWithAlice(): BotApiEmulator {
  const emulator = makeEmulator({ limits: false });
  emulator.addChat(TOKEN, { id: ALICE.id, type: "private", first_name: "Alice" });
  return emulator;
}

describe("sendDocument and sendPhoto", () => {
  test("an uploaded document comes back with its name, type and size, and a file_id that sends it again without the bytes", async () => {
    const emulator = emulatorWithAlice();
    const bytes = pdfBytes({ size: 5000 });
    const first = await upload(emulator, "sendDocument", { chat_id: ALICE.id, caption: "<b>Счёт</b> 1042", parse_mode: "HTML" }, { document: file(bytes, "Счёт 1042.pdf", "application/pdf") });
    expect(first.status).toBe(200);
    const message = first.body.result as { document: { file_id: string; file_name: string; mime_type: string; file_size: number }; caption: string; caption_entities: unknown[] };
    expect(message.document).toMatchObject({ file_name: "Счёт 1042.pdf", mime_type: "application/pdf", file_size: 5000 });
    expect(message.caption).toBe("Счёт 1042");
    expect(message.caption_entities).toEqual([{ type: "bold", offset: 0, length: 4 }]);

    const again = await call(emulator, "sendDocument", { chat_id: ALICE.id, document: message.document.file_id });
    expect(again.body.ok).toBe(true);
    expect(emulator.receivedFiles(TOKEN, ALICE.id)).toMatchObject([
      { kind: "document", name: "Счёт 1042.pdf", size: 5000, sha256: sha256(bytes), uploaded: true, caption: "Счёт 1042" },
      { kind: "document", name: "Счёт 1042.pdf", size: 5000, sha256: sha256(bytes), uploaded: false, caption: "" },
    ]);
    expect(emulator.stats()).toMatchObject({ uploadsByBot: { signal_bot: 1 }, fileIdReusesByBot: { signal_bot: 1 } });
  });

  test("a photo is checked: at most 10 MB, an image Telegram can read, width + height ≤ 10000, ratio ≤ 20", async () => {
    const emulator = emulatorWithAlice();
    const send = (bytes: Uint8Array) => upload(emulator, "sendPhoto", { chat_id: ALICE.id }, { photo: file(bytes, "p.png") });
    expect((await send(pngBytes(1280, 960))).body.ok).toBe(true);
    expect((await send(pngBytes(1280, 960, { size: 10 * 1024 * 1024 + 1 }))).body.description).toBe(
      "Bad Request: file of size 10485761 bytes is too big for a photo; the maximum size is 10485760 bytes",
    );
    expect((await send(pngBytes(9000, 1001))).body.description).toBe("Bad Request: PHOTO_INVALID_DIMENSIONS");
    expect((await send(pngBytes(2100, 100))).body.description).toBe("Bad Request: PHOTO_INVALID_DIMENSIONS");
    expect((await send(pdfBytes())).body.description).toBe("Bad Request: IMAGE_PROCESS_FAILED");
    expect(emulator.receivedFiles(TOKEN, ALICE.id)).toHaveLength(1);
  });

  test("a caption over 1024 characters after parsing, an empty upload, a document over 50 MB are refused", async () => {
    const emulator = emulatorWithAlice();
    const doc = { document: file(pdfBytes(), "a.pdf") };
    expect((await upload(emulator, "sendDocument", { chat_id: ALICE.id, caption: "x".repeat(1025) }, doc)).body.description).toBe("Bad Request: message caption is too long");
    // Tags do not count: 1024 visible characters in bold fit.
    expect((await upload(emulator, "sendDocument", { chat_id: ALICE.id, caption: `<b>${"x".repeat(1024)}</b>`, parse_mode: "HTML" }, doc)).body.ok).toBe(true);
    expect((await upload(emulator, "sendDocument", { chat_id: ALICE.id }, { document: file(new Uint8Array(0), "empty.txt") })).body.description).toBe("Bad Request: file must be non-empty");
    const big = await upload(emulator, "sendDocument", { chat_id: ALICE.id }, { document: file(new Uint8Array(50 * 1024 * 1024 + 1), "big.bin") });
    expect(big).toMatchObject({ status: 413, body: { description: "Request Entity Too Large" } });
  });

  test("a file_id is this bot's and of its kind only; invalidated ids are a wrong file identifier", async () => {
    const emulator = emulatorWithAlice();
    emulator.addBot({ token: OTHER_TOKEN, id: 654321, username: "other_bot", first_name: "Other" });
    emulator.addChat(OTHER_TOKEN, { id: ALICE.id, type: "private", first_name: "Alice" });
    const photo = (await upload(emulator, "sendPhoto", { chat_id: ALICE.id }, { photo: file(pngBytes(100, 100), "p.png") })).body.result as { photo: Array<{ file_id: string }> };
    const photoId = photo.photo.at(-1)!.file_id;
    expect((await call(emulator, "sendDocument", { chat_id: ALICE.id, document: photoId })).body.description).toBe("Bad Request: can't use file of type Photo as Document");
    expect((await call(emulator, "sendPhoto", { chat_id: ALICE.id, photo: photoId }, { token: OTHER_TOKEN })).body.description).toBe(
      "Bad Request: wrong file identifier/HTTP URL specified",
    );
    expect((await call(emulator, "sendPhoto", { chat_id: ALICE.id, photo: photoId })).body.ok).toBe(true);
    emulator.invalidateFileIds(TOKEN);
    expect((await call(emulator, "sendPhoto", { chat_id: ALICE.id, photo: photoId })).body.description).toBe("Bad Request: wrong file identifier/HTTP URL specified");
  });

  test("a blocked chat, a reply and buttons work as for sendMessage", async () => {
    const emulator = emulatorWithAlice();
    const keyboard = { inline_keyboard: [[{ text: "OK", callback_data: "ok" }]] };
    const sent = await upload(emulator, "sendDocument", { chat_id: ALICE.id, reply_markup: keyboard }, { document: file(pdfBytes(), "a.pdf") });
    const id = (sent.body.result as { message_id: number }).message_id;
    expect(emulator.keyboard(TOKEN, ALICE.id, id)).toEqual(keyboard.inline_keyboard);
    expect((await call(emulator, "editMessageText", { chat_id: ALICE.id, message_id: id, text: "new" })).body.description).toBe("Bad Request: there is no text in the message to edit");
    emulator.userBlocksBot(TOKEN, ALICE.id);
    expect((await upload(emulator, "sendDocument", { chat_id: ALICE.id }, { document: file(pdfBytes(), "a.pdf") })).status).toBe(403);
  });
});

describe("sendMediaGroup", () => {
  const media = (n: number, type = "document") => Array.from({ length: n }, (_, i) => ({ type, media: `attach://f${i}`, ...(i === 0 && { caption: "Отчёты" }) }));
  const parts = (n: number, make = (i: number) => file(pdfBytes({ fill: i }), `r${i}.pdf`)) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, make(i)]));

  test("an album: its messages in order, one media_group_id, the caption on the first", async () => {
    const emulator = emulatorWithAlice();
    const res = await upload(emulator, "sendMediaGroup", { chat_id: ALICE.id, media: media(3) }, parts(3));
    const messages = res.body.result as Array<{ message_id: number; media_group_id: string; caption?: string }>;
    expect(messages.map((m) => m.message_id)).toEqual([1, 2, 3]);
    expect(new Set(messages.map((m) => m.media_group_id)).size).toBe(1);
    expect(messages.map((m) => m.caption)).toEqual(["Отчёты", undefined, undefined]);
    expect(emulator.receivedFiles(TOKEN, ALICE.id).map((f) => f.name)).toEqual(["r0.pdf", "r1.pdf", "r2.pdf"]);
  });

  test("items by file_id and uploads mix; photos album; one item is one message without an album", async () => {
    const emulator = emulatorWithAlice();
    const first = (await upload(emulator, "sendDocument", { chat_id: ALICE.id }, { document: file(pdfBytes(), "a.pdf") })).body.result as { document: { file_id: string } };
    const mixed = await upload(emulator, "sendMediaGroup", { chat_id: ALICE.id, media: [{ type: "document", media: first.document.file_id }, { type: "document", media: "attach://f1" }] }, parts(2));
    expect(mixed.body.ok).toBe(true);
    const photos = await upload(emulator, "sendMediaGroup", { chat_id: ALICE.id, media: media(2, "photo") }, parts(2, (i) => file(jpegBytes(800 + i, 600), `p${i}.jpg`)));
    expect(photos.body.ok).toBe(true);
    const single = await upload(emulator, "sendMediaGroup", { chat_id: ALICE.id, media: media(1) }, parts(1));
    expect((single.body.result as Array<{ media_group_id?: string }>)[0]!.media_group_id).toBeUndefined();
    expect(emulator.stats().fileIdReusesByBot).toEqual({ signal_bot: 1 });
  });

  test("Telegram's album refusals: none, more than 10, documents with photos, a bad item named by position", async () => {
    const emulator = emulatorWithAlice();
    const refusal = async (m: unknown, files: Record<string, File>) => (await upload(emulator, "sendMediaGroup", { chat_id: ALICE.id, media: m }, files)).body.description;
    expect(await refusal([], {})).toBe("Bad Request: there are no messages to send");
    expect(await refusal(media(11), parts(11))).toBe("Bad Request: too many messages to send as an album");
    expect(await refusal([{ type: "photo", media: "attach://f0" }, { type: "document", media: "attach://f1" }], parts(2))).toBe("Bad Request: document can't be mixed with other media types");
    expect(await refusal([{ type: "photo", media: "attach://f0" }, { type: "photo", media: "attach://f1" }], { f0: file(pngBytes(10, 10), "a.png"), f1: file(pngBytes(5000, 100), "b.png") })).toBe(
      'Bad Request: failed to send message #2 with the error message "PHOTO_INVALID_DIMENSIONS"',
    );
    expect(await refusal([{ type: "document", media: "attach://nothing" }, { type: "document", media: "attach://f1" }], parts(2))).toBe("Bad Request: can't parse InputMedia: media not found");
    expect(emulator.receivedFiles(TOKEN, ALICE.id)).toEqual([]);
  });

  test("an album counts as one message per item against the flood limits", async () => {
    const emulator = makeEmulator({ limits: { perChatBurst: 3, perChatPerSecond: 1 }, now: () => 1_000_000 });
    emulator.addChat(TOKEN, GROUP);
    emulator.addChat(TOKEN, { id: ALICE.id, type: "private", first_name: "Alice" });
    expect((await upload(emulator, "sendMediaGroup", { chat_id: ALICE.id, media: media(3) }, parts(3))).body.ok).toBe(true);
    const next = await upload(emulator, "sendDocument", { chat_id: ALICE.id }, { document: file(pdfBytes(), "a.pdf") });
    expect(next.status).toBe(429);
  });
});
