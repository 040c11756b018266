import { errors } from "./api-error.ts";
import type { TelegramFile } from "./types.ts";

/**
 * Files people sent to one bot, by file_id, and their download paths. Telegram facts:
 * - getFile answers `file_path`; the bytes are then at `/file/bot<token>/<file_path>`;
 * - bots may download files up to 20 MB; getFile on a bigger one is 400 "file is too big";
 * - an unknown file_id is 400 "invalid file_id", a missing one "file_id not specified";
 * - a file_id is valid only for the bot that received it; file_unique_id is the same
 *   for everyone and cannot be used to download.
 */

export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  /** A copy of the bytes the test gave (a later change to its array changes nothing here). */
  bytes: Uint8Array<ArrayBuffer>;
  /** "documents" or "photos": the folder of its file_path, as on Telegram's servers. */
  folder: "documents" | "photos";
  extension: string;
  mime_type: string;
  /** A document's name, kept when it is sent again by file_id. */
  file_name?: string;
  /** sha256 of the bytes (hex), for tests to compare what a chat received with what was sent. */
  sha256?: string;
  /** Set by the first getFile. */
  file_path?: string;
}

export interface NewFile {
  bytes: Uint8Array;
  folder: StoredFile["folder"];
  extension: string;
  mime_type: string;
  file_name?: string;
  sha256?: string;
}

// Real file ids start with a type marker (BQAC documents, AgAC photos) followed by base64.
const ID_PREFIX: Record<StoredFile["folder"], string> = { documents: "BQACAgIAAxkBAAI", photos: "AgACAgIAAxkBAAI" };

export class FileStore {
  private readonly byId = new Map<string, StoredFile>();
  private readonly byPath = new Map<string, StoredFile>();
  private counter = 0;

  constructor(private readonly botId: number) {}

  add(file: NewFile): StoredFile {
    this.counter += 1;
    const serial = `${this.botId.toString(36)}_${this.counter.toString(36).padStart(4, "0")}`;
    const stored: StoredFile = {
      ...file,
      bytes: new Uint8Array(file.bytes),
      file_id: `${ID_PREFIX[file.folder]}${serial}`,
      file_unique_id: `AgAD${serial}`,
    };
    this.byId.set(stored.file_id, stored);
    return stored;
  }

  /** The file a file_id names, or undefined (unknown, or its ids were invalidated). */
  get(fileId: string): StoredFile | undefined {
    return this.byId.get(fileId);
  }

  /** Every file_id issued so far stops working (as after Telegram expires them): a send by id is refused. */
  invalidateIds(): void {
    this.byId.clear();
  }

  /** getFile: the file's path (issued once), refused above the 20 MB download limit. */
  describe(fileId: string | undefined): TelegramFile {
    if (fileId === undefined || fileId === "") throw errors.badRequest("file_id not specified");
    const file = this.byId.get(fileId);
    if (!file) throw errors.badRequest("invalid file_id");
    if (file.bytes.length > MAX_DOWNLOAD_BYTES) throw errors.badRequest("file is too big");
    if (file.file_path === undefined) {
      file.file_path = `${file.folder}/file_${this.byPath.size}${file.extension}`;
      this.byPath.set(file.file_path, file);
    }
    return { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.bytes.length, file_path: file.file_path };
  }

  byFilePath(path: string): StoredFile | undefined {
    return this.byPath.get(path);
  }
}
