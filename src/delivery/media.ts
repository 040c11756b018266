// How a file goes to Telegram: as a photo (shown inline, recompressed by Telegram) or as a
// document (sent as is), and its MIME type. Telegram facts (sendPhoto, sendMediaGroup):
// - a photo is at most 10 MB (10 × 1024 × 1024 bytes), its width and height at most 10000
//   together, their ratio at most 20; JPEG, PNG and WebP are taken as photos;
// - a caption is at most 1024 characters after entity parsing;
// - an album holds 2–10 items, and documents can't be mixed with photos in one;
// - bots upload files of up to 50 MB (a self-hosted Bot API server: 2000 MB).
import { extensionOf } from "../lib/filename.ts";
import { readImageInfo, sniffMime } from "../lib/image-info.ts";
import type { MediaKind } from "./types.ts";

export const PHOTO_MAX_BYTES = 10 * 1024 * 1024;
export const PHOTO_MAX_SIDES = 10_000;
export const PHOTO_MAX_RATIO = 20;
export const CAPTION_LIMIT = 1024;
/** Files per notification: one album. More would need several albums and several captions; a caller splits them instead. */
export const MAX_FILES = 10;

/** `as`: "auto" (photos as photos) or "document" (everything as a document). */
export type RequestedKind = "auto" | "document";

/**
 * "photo" for a JPEG, PNG or WebP that Telegram accepts as a photo (size, sides, ratio),
 * unless the caller asked for documents; otherwise "document".
 */
export function mediaKindOf(file: { size: number; head: Uint8Array }, requested: RequestedKind): MediaKind {
  if (requested === "document" || file.size > PHOTO_MAX_BYTES) return "document";
  const image = readImageInfo(file.head);
  if (!image || image.format === "gif") return "document";
  const { width, height } = image;
  if (width + height > PHOTO_MAX_SIDES || Math.max(width, height) / Math.min(width, height) > PHOTO_MAX_RATIO) return "document";
  return "photo";
}

/**
 * The file's MIME type: the caller's when it says something (not application/octet-stream),
 * else what its first bytes are, else what its name's extension says, else octet-stream.
 */
export function mimeOf(declared: string | undefined, name: string, head: Uint8Array): string {
  const given = declared?.split(";")[0]!.trim().toLowerCase();
  if (given && given !== "application/octet-stream" && /^[\w.+-]+\/[\w.+-]+$/.test(given)) return given;
  return sniffMime(head) ?? MIME_BY_EXTENSION[extensionOf(name).toLowerCase()] ?? "application/octet-stream";
}

/** The name to show when the caller gave none: "file" with the type's extension. */
export function defaultName(mime: string): string {
  const extension = Object.entries(MIME_BY_EXTENSION).find(([, type]) => type === mime)?.[0] ?? "";
  return `file${extension}`;
}

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".json": "application/json",
  ".xml": "application/xml",
  ".html": "text/html",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".doc": "application/msword",
  ".xls": "application/vnd.ms-excel",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".odt": "application/vnd.oasis.opendocument.text",
  ".ods": "application/vnd.oasis.opendocument.spreadsheet",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".webp": "image/webp",
  ".gif": "image/gif",
  ".svg": "image/svg+xml",
  ".mp4": "video/mp4",
  ".mp3": "audio/mpeg",
  ".ogg": "audio/ogg",
  ".log": "text/plain",
};
