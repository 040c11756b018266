// Files through the Telegram port: sendDocument, sendPhoto and sendMediaGroup with a file
// uploaded from disk (GramIO builds the multipart request from a File, MediaInput describes
// album items) or sent again by the file_id Telegram gave this bot. Telegram facts:
// - a file_id is valid only for the bot that received it, and only for its kind (a photo's
//   file_id sends no document); a refused one is 400 "wrong file identifier/HTTP URL specified";
// - sendMediaGroup takes no reply_markup, answers with the album's messages in order, and
//   names a failing item "failed to send message #N with the error message …";
// - a sent photo comes back as several sizes, the largest last: its file_id sends the photo.
import { MediaInput, type TelegramInlineKeyboardMarkup, type TelegramMessage } from "gramio";

/** A file for Telegram: the bytes on disk (uploaded), or a file_id this bot already has. */
export type MediaFile = { path: string; name: string; mime: string; size: number } | { fileId: string };

export interface SendMediaCommon {
  chat_id: number;
  disable_notification?: boolean;
  message_thread_id?: number;
  reply_parameters?: { message_id: number; allow_sending_without_reply?: boolean };
}

export interface SendFileParams extends SendMediaCommon {
  file: MediaFile;
  /** At most 1024 characters after entity parsing. */
  caption?: string;
  parse_mode?: "HTML";
  reply_markup?: TelegramInlineKeyboardMarkup;
}

export interface MediaGroupItem {
  kind: "photo" | "document";
  file: MediaFile;
  caption?: string;
  parse_mode?: "HTML";
}

export interface SendMediaGroupParams extends SendMediaCommon {
  /** 2–10 items: photos, or documents (not both). */
  media: MediaGroupItem[];
}

/** A message that carries a file: its id, and the file_id Telegram gave the file (to send it again). */
export interface SentFile {
  message_id: number;
  file_id: string | undefined;
}

/** Reads a file from disk as a Blob (the platform's openBlob). */
export type OpenFile = (path: string) => Promise<Blob>;

/**
 * An upload's deadline grows with its size: the base deadline plus the time at 256 KiB/s
 * (2 Mbit/s), so 50 MiB may take 200 s more before its request is aborted.
 */
export function uploadDeadlineMs(baseMs: number, files: readonly MediaFile[]): number {
  const bytes = files.reduce((sum, file) => sum + ("path" in file ? file.size : 0), 0);
  return baseMs + Math.ceil(bytes / 256);
}

/** GramIO's value for a file parameter: a File (GramIO uploads it as multipart) or the file_id. */
export async function toGramioFile(file: MediaFile, openFile: OpenFile): Promise<File | string> {
  if ("fileId" in file) return file.fileId;
  return new File([await openFile(file.path)], file.name, { type: file.mime });
}

export async function toDocumentParams(params: SendFileParams, openFile: OpenFile) {
  const { file, ...rest } = params;
  return { ...rest, document: await toGramioFile(file, openFile) };
}

export async function toPhotoParams(params: SendFileParams, openFile: OpenFile) {
  const { file, ...rest } = params;
  return { ...rest, photo: await toGramioFile(file, openFile) };
}

export async function toGramioGroup(params: SendMediaGroupParams, openFile: OpenFile) {
  const media = [];
  for (const item of params.media) {
    const options = { ...(item.caption !== undefined && { caption: item.caption }), ...(item.parse_mode && { parse_mode: item.parse_mode }) };
    const value = await toGramioFile(item.file, openFile);
    media.push(item.kind === "photo" ? MediaInput.photo(value, options) : MediaInput.document(value, options));
  }
  const { media: _items, ...rest } = params;
  return { ...rest, media };
}

/** The message's id and its file's file_id (a photo's largest size). */
export function sentFileOf(message: TelegramMessage): SentFile {
  const fileId = message.document?.file_id ?? message.photo?.at(-1)?.file_id;
  return { message_id: message.message_id, file_id: fileId };
}
