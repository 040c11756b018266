// What a person's message carries for the system, read from the Bot API's Message: its
// text (or a file's caption) with mentions of the bot taken out, its files as metadata,
// and whether it is addressed to the bot (a reply to one of our messages, a mention).
// Pure functions, tested without Telegram.
//
// Telegram facts: entity offsets and lengths count UTF-16 code units (JavaScript string
// indices); a photo comes as several sizes of one picture, the largest last but not
// always with a file_size; captions carry their entities in caption_entities.
import type { EventDraft } from "../events/types.ts";
import type { TelegramMessage } from "../telegram/api.ts";

export type DraftFile = EventDraft["files"][number];

export interface MessageContent {
  /** The text or caption, mentions of the bot removed; null for a file without a caption. */
  text: string | null;
  /** True when `text` is the message's text (commands and key phrases live there, not in captions). */
  isText: boolean;
  files: DraftFile[];
  /** The message mentions the bot (`@ourbot`). */
  mentionsUs: boolean;
  /** The message replies to one of the bot's messages: its message id. */
  repliesTo: number | undefined;
}

export interface Us {
  /** The bot's Telegram id (the number before the token's colon). */
  id: number;
  /** Without "@"; unknown until getMe answered (mentions are then not recognised). */
  username: string | undefined;
}

/**
 * The message's content, or undefined for kinds that are not passed on: stickers, voice,
 * video, locations, polls, service messages (members joining, a chat's migration).
 */
export function readContent(message: TelegramMessage, us: Us): MessageContent | undefined {
  const files = readFiles(message);
  const isText = typeof message.text === "string";
  if (!isText && files.length === 0) return undefined;
  const raw = isText ? message.text! : (message.caption ?? null);
  const entities = (isText ? message.entities : message.caption_entities) ?? [];
  const mention = us.username === undefined ? undefined : `@${us.username.toLowerCase()}`;
  const ours = raw === null || mention === undefined ? [] : entities.filter(
    (entity) => entity.type === "mention" && raw.slice(entity.offset, entity.offset + entity.length).toLowerCase() === mention,
  );
  const replied = message.reply_to_message;
  return {
    text: raw === null ? null : removeRanges(raw, ours),
    isText,
    files,
    mentionsUs: ours.length > 0,
    repliesTo: replied && replied.from?.id === us.id ? replied.message_id : undefined,
  };
}

/** Cuts the ranges (in text order, not overlapping) out, each with the spaces around it. */
function removeRanges(text: string, ranges: ReadonlyArray<{ offset: number; length: number }>): string {
  if (ranges.length === 0) return text;
  const pieces: string[] = [];
  let from = 0;
  for (const range of [...ranges].sort((a, b) => a.offset - b.offset)) {
    pieces.push(text.slice(from, range.offset));
    from = Math.max(from, range.offset + range.length);
  }
  pieces.push(text.slice(from));
  return pieces
    .map((piece) => piece.trim())
    .filter((piece) => piece !== "")
    .join(" ");
}

function readFiles(message: TelegramMessage): DraftFile[] {
  const files: DraftFile[] = [];
  const { document, photo } = message;
  if (document) {
    const mime = document.mime_type || "application/octet-stream";
    files.push({ name: document.file_name || `document.${extensionOf(mime)}`, mime, size: document.file_size ?? null, fileId: document.file_id });
  }
  if (photo && photo.length > 0) {
    // One picture in several sizes: listed once, at its largest.
    let largest = photo[0]!;
    for (const size of photo) if (size.width * size.height >= largest.width * largest.height) largest = size;
    files.push({ name: "photo.jpg", mime: "image/jpeg", size: largest.file_size ?? null, fileId: largest.file_id });
  }
  return files;
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  "application/pdf": "pdf",
  "application/zip": "zip",
  "application/json": "json",
  "application/xml": "xml",
  "application/msword": "doc",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "application/vnd.oasis.opendocument.text": "odt",
  "application/vnd.oasis.opendocument.spreadsheet": "ods",
  "text/plain": "txt",
  "text/csv": "csv",
  "text/html": "html",
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
  "video/mp4": "mp4",
  "audio/mpeg": "mp3",
  "audio/ogg": "ogg",
};

/** A file name extension for a MIME type: known ones, else a short plain subtype, else "bin". */
export function extensionOf(mime: string): string {
  const type = mime.toLowerCase().split(";")[0]!.trim();
  const known = EXTENSIONS[type];
  if (known !== undefined && Object.hasOwn(EXTENSIONS, type)) return known;
  const subtype = type.slice(type.indexOf("/") + 1);
  return /^[a-z0-9]{1,8}$/.test(subtype) && type.includes("/") ? subtype : "bin";
}
