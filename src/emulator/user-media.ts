import type { BotState } from "./bot-state.ts";
import type { NewFile } from "./files.ts";
import { findPersonEntities } from "./text-entities.ts";
import type { PersonMessageOptions, PhotoSize, TelegramDocument, TelegramUpdate } from "./types.ts";
import { personPosts, type PersonContent } from "./user-actions.ts";

/**
 * People sending files: a document or a photo, with the bytes the test provides, which the
 * bot then fetches with getFile and `/file/bot<token>/<file_path>`. Telegram facts:
 * - a caption is at most 1024 characters and carries caption_entities (commands, mentions);
 * - a photo arrives as several PhotoSize, smallest first, the original last; Telegram makes
 *   the smaller ones fit boxes of 90, 320, 800, 1280 and 2560 pixels. The emulator does not
 *   scale images: a smaller size's bytes are a stand-in, a prefix of the original's bytes in
 *   proportion to its area.
 */

export const MAX_CAPTION_LENGTH = 1024;
const PHOTO_BOXES = [90, 320, 800, 1280, 2560];

export interface UserSendsDocumentOptions extends PersonMessageOptions {
  /** The file as the person's client uploads it. */
  bytes: Uint8Array;
  file_name: string;
  /** Defaults from the file name's extension (application/octet-stream when unknown). */
  mime_type?: string;
  caption?: string;
}

export interface UserSendsPhotoOptions extends PersonMessageOptions {
  /** The photo as sent: its bytes and size in pixels (the largest PhotoSize). */
  bytes: Uint8Array;
  width: number;
  height: number;
  caption?: string;
}

const MIME_TYPES: Readonly<Record<string, string>> = {
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".json": "application/json",
  ".xml": "application/xml",
  ".zip": "application/zip",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
};

export function userSendsDocument(bot: BotState, options: UserSendsDocumentOptions, nowMs: number): TelegramUpdate {
  const dot = options.file_name.lastIndexOf(".");
  const extension = dot > 0 ? options.file_name.slice(dot).toLowerCase() : "";
  const mimeType = options.mime_type ?? MIME_TYPES[extension] ?? "application/octet-stream";
  const file = bot.files.add({ bytes: options.bytes, folder: "documents", extension, mime_type: mimeType });
  const document: TelegramDocument = {
    file_name: options.file_name,
    mime_type: mimeType,
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    file_size: options.bytes.length,
  };
  return personPosts(bot, options, { document, ...captionOf(options.caption) }, nowMs);
}

export function userSendsPhoto(bot: BotState, options: UserSendsPhotoOptions, nowMs: number): TelegramUpdate {
  const { width, height, bytes } = options;
  if (!(width > 0 && height > 0)) throw new Error("BotApiEmulator: a photo needs a positive width and height");
  const longest = Math.max(width, height);
  const sizes = PHOTO_BOXES.filter((box) => box < longest).map((box) => {
    const scale = box / longest;
    return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
  });
  sizes.push({ width, height });
  const photo = sizes.map((size): PhotoSize => {
    const share = (size.width * size.height) / (width * height);
    const sizeBytes = size.width === width && size.height === height ? bytes : bytes.slice(0, Math.max(1, Math.floor(bytes.length * share)));
    const file = bot.files.add(photoFile(sizeBytes));
    return { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: sizeBytes.length, ...size };
  });
  return personPosts(bot, options, { photo, ...captionOf(options.caption) }, nowMs);
}

function photoFile(bytes: Uint8Array): NewFile {
  return { bytes, folder: "photos", extension: ".jpg", mime_type: "image/jpeg" };
}

function captionOf(caption: string | undefined): PersonContent {
  if (caption === undefined || caption === "") return {};
  if (caption.length > MAX_CAPTION_LENGTH) {
    throw new Error(`BotApiEmulator: a caption is at most ${MAX_CAPTION_LENGTH} characters; Telegram's clients send no longer one`);
  }
  const entities = findPersonEntities(caption);
  return { caption, ...(entities.length > 0 ? { caption_entities: entities } : {}) };
}
