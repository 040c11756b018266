// Where a notification's text goes when it carries files. The files are one message (a
// document or a photo) or one album, and its text is their caption when it fits
// Telegram's 1024 characters; a longer text goes first, as its own message(s) split as
// usual, then the files without a caption. Buttons need a message to sit under, and an
// album takes no reply_markup (sendMediaGroup has none): with buttons, an album goes
// first and the text follows with the buttons. An album is photos only or documents only
// (Telegram refuses "document can't be mixed with other media types"), so photos among
// documents go as documents.
import { RequestError } from "../lib/errors.ts";
import { CAPTION_LIMIT } from "./media.ts";
import { splitText } from "./split.ts";
import type { NotificationFile } from "./types.ts";

export interface FileLayout {
  /** Telegram HTML per message; the file part's is the caption ("" for none). */
  parts: string[];
  filePart: number;
  files: NotificationFile[];
}

/**
 * `html` is the formatted text ("" when there is none); `maxParts` bounds the split (the
 * caller refuses longer texts).
 */
export function layoutWithFiles(html: string, files: NotificationFile[], hasButtons: boolean, maxParts: number): FileLayout {
  const text = html === "" ? [] : splitText(html, { maxParts });
  const album = files.length > 1;
  const kinds = album && files.some((file) => file.as !== "photo") ? files.map((file) => ({ ...file, as: "document" as const })) : files;
  if (album && hasButtons) {
    if (text.length === 0)
      throw new RequestError("bad_buttons", "buttons need a message to go under, and an album of files cannot carry them (Telegram's sendMediaGroup has no buttons): give a text, sent after the album with the buttons");
    return { parts: ["", ...text], filePart: 0, files: kinds };
  }
  if (text.length === 0) return { parts: [""], filePart: 0, files: kinds };
  if (text.length === 1 && fitsCaption(text[0]!)) return { parts: [text[0]!], filePart: 0, files: kinds };
  return { parts: [...text, ""], filePart: text.length, files: kinds };
}

/** At most 1024 characters as Telegram counts them (after entity parsing). */
export function fitsCaption(html: string): boolean {
  return splitText(html, { limit: CAPTION_LIMIT, maxParts: 2 }).length <= 1;
}
