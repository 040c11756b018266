// Files arriving with a notify request, three ways, each written to data_dir/files before
// the notification is accepted:
// - multipart/form-data: every part with a filename is a file, whatever its field name;
//   streamed to disk as it arrives, 413 as soon as the files pass upload_limit (the rest
//   of the body is not read); text parts stay within body_limit;
// - JSON `attachments: [{name, data (base64), mime?}]`, within body_limit;
// - a raw body with a `Filename:` header (PUT or POST /notify/{to}, as ntfy does).
// A refused request lets go of what it stored: the file keeper removes it unless another
// notification holds the same bytes. Nothing here trusts a name as a path.
import { Buffer } from "node:buffer";
import { defaultName, mediaKindOf, MAX_FILES, mimeOf, type RequestedKind } from "../delivery/media.ts";
import type { NotificationFile } from "../delivery/types.ts";
import { errorMessage, RequestError } from "../lib/errors.ts";
import { sanitizeFilename } from "../lib/filename.ts";
import type { CommittedFile, FileStore, FileWriter } from "../storage/file-store.ts";
import { decodeUtf8, FormFields, type Fields } from "./body.ts";
import { httpError } from "./errors.ts";
import { boundaryOf, readMultipart, type PartHandler } from "./multipart.ts";

export interface UploadLimits {
  /** Text fields (and a JSON body) together. */
  bodyLimit: number;
  /** Files together. */
  uploadLimit: number;
}

/** A stored file and what the caller said about it. */
export interface IncomingFile extends CommittedFile {
  name: string;
  declaredMime?: string;
}

export interface Intake {
  fields: Fields;
  files: IncomingFile[];
}

/** The keeper's side (delivery/file-keeper.ts): a request done with its files. */
export interface FileRelease {
  letGo(files: readonly CommittedFile[]): void;
}

export class Uploads {
  constructor(
    readonly store: FileStore,
    private readonly keeper: FileRelease,
  ) {}

  /** A multipart/form-data body: its text fields, and its files stored. */
  async readForm(req: Request, limits: UploadLimits): Promise<Intake> {
    checkDeclared(req, limits.bodyLimit + limits.uploadLimit);
    const boundary = boundaryOf(req.headers.get("content-type") ?? "");
    const form = new FormFields("body");
    const intake: Intake = { fields: form.fields, files: [] };
    const open = { writer: undefined as FileWriter | undefined };
    const budget = { text: 0, files: 0 };
    const onPart: PartHandler = (head) => {
      budget.text += head.name.length + (head.filename?.length ?? 0);
      if (head.filename === undefined) return this.#textPart(form, head.name, budget, limits);
      if (intake.files.length >= MAX_FILES) throw httpError("bad_attachments", `at most ${MAX_FILES} files per notification (one album); send the others in another notification`);
      const writer = (open.writer = this.store.begin());
      const filename = head.filename;
      return {
        write: async (chunk) => {
          budget.files += chunk.length;
          if (budget.files > limits.uploadLimit) throw uploadTooLarge(limits.uploadLimit);
          await writer.write(chunk);
        },
        end: async () => {
          open.writer = undefined;
          // A browser's empty file input: filename="" and no bytes. Not a file.
          if (writer.size === 0 && filename === "") return void (await writer.abort());
          if (writer.size === 0) throw (await writer.abort(), httpError("bad_attachments", `file "${filename}" is empty; Telegram does not send empty files`));
          intake.files.push({ ...(await writer.commit()), name: filename, ...(head.contentType && { declaredMime: head.contentType }) });
        },
      };
    };
    await this.#consume(req, intake.files, open, (chunks) => readMultipart(chunks, boundary, onPart));
    return intake;
  }

  /** A raw body that is the file (a `Filename` header named it). */
  async readRaw(req: Request, name: string, limits: UploadLimits): Promise<IncomingFile> {
    checkDeclared(req, limits.uploadLimit);
    const files: IncomingFile[] = [];
    const open = { writer: this.store.begin() as FileWriter | undefined };
    const writer = open.writer!;
    await this.#consume(req, files, open, async (chunks) => {
      for await (const chunk of chunks) {
        if (writer.size + chunk.length > limits.uploadLimit) throw uploadTooLarge(limits.uploadLimit);
        await writer.write(chunk);
      }
    });
    open.writer = undefined;
    if (writer.size === 0) throw (await writer.abort(), httpError("bad_attachments", `the body is empty: with a Filename header (${JSON.stringify(name)}) the body is the file's bytes`));
    const type = req.headers.get("content-type");
    return { ...(await writer.commit()), name, ...(type && { declaredMime: type }) };
  }

  /** JSON `attachments`, already checked against their schema: decoded and stored. */
  async decodeAttachments(list: ReadonlyArray<{ name: string; data: string; mime?: string }>, limits: UploadLimits): Promise<IncomingFile[]> {
    const files: IncomingFile[] = [];
    let total = 0;
    try {
      for (const [index, attachment] of list.entries()) {
        const bytes = decodeBase64(attachment.data, index);
        if (bytes.length === 0) throw httpError("bad_attachments", `attachments[${index}] ("${attachment.name}") is empty; Telegram does not send empty files`);
        total += bytes.length;
        if (total > limits.uploadLimit) throw uploadTooLarge(limits.uploadLimit);
        files.push({ ...(await this.store.put(bytes)), name: attachment.name, ...(attachment.mime !== undefined && { declaredMime: attachment.mime }) });
      }
    } catch (error) {
      this.letGo(files);
      throw error;
    }
    return files;
  }

  letGo(files: readonly CommittedFile[]): void {
    this.keeper.letGo(files);
  }

  #textPart(form: FormFields, name: string, budget: { text: number }, limits: UploadLimits) {
    const chunks: Uint8Array[] = [];
    return {
      write: (chunk: Uint8Array) => {
        budget.text += chunk.length;
        if (budget.text > limits.bodyLimit) throw bodyTooLarge(limits.bodyLimit);
        chunks.push(chunk.slice());
      },
      end: () => form.add(name, decodeUtf8(Buffer.concat(chunks))),
    };
  }

  /** Reads the body through `read`; on any failure stops reading, drops the open writer and the files stored so far. */
  async #consume(req: Request, files: IncomingFile[], open: { writer: FileWriter | undefined }, read: (chunks: AsyncIterable<Uint8Array>) => Promise<void>): Promise<void> {
    const reader = req.body?.getReader();
    try {
      await read(reader ? chunksOf(reader) : emptyChunks());
    } catch (error) {
      await reader?.cancel().catch(() => {});
      await open.writer?.abort();
      this.letGo(files);
      throw closingConnection(error);
    }
  }
}

/**
 * A refusal answered before the body was read to the end also closes the connection: the
 * client stops sending the rest of its upload, and the server never reads it to reuse the
 * connection.
 */
export function closingConnection(error: unknown): unknown {
  if (error instanceof RequestError) error.headers.Connection = "close";
  return error;
}

/** The stored files as the notification's: names sanitised, types found, photo or document decided. */
export function toNotificationFiles(files: readonly IncomingFile[], requested: RequestedKind): NotificationFile[] {
  return files.map((file) => {
    const cleaned = sanitizeFilename(file.name, "");
    const mime = mimeOf(file.declaredMime, cleaned, file.head);
    return { hash: file.hash, name: cleaned || defaultName(mime), mime, size: file.size, as: mediaKindOf(file, requested) };
  });
}

/** What a stream reader's read() answers (Bun's and Deno's typings differ in the done case). */
type ChunkReader = { read(): Promise<{ done: boolean; value?: Uint8Array }> };

async function* chunksOf(reader: ChunkReader): AsyncIterable<Uint8Array> {
  for (;;) {
    let result: { done: boolean; value?: Uint8Array };
    try {
      result = await reader.read();
    } catch (error) {
      throw httpError("body_incomplete", `the body ended before it was complete (${errorMessage(error) || "the stream failed"}); the client may have disconnected`);
    }
    if (result.done || !result.value) return;
    yield result.value;
  }
}

async function* emptyChunks(): AsyncIterable<Uint8Array> {}

/** A declared Content-Length over the limit is refused before a byte is read. */
function checkDeclared(req: Request, limit: number): void {
  const declared = Number(req.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit)
    throw httpError("upload_too_large", `the body (${declared} bytes) is larger than upload_limit and body_limit allow (${limit} bytes); send smaller files or raise upload_limit`, { Connection: "close" });
}

function uploadTooLarge(limit: number) {
  return httpError("upload_too_large", `the files are larger than upload_limit (${limit} bytes); send smaller files or raise upload_limit`, { Connection: "close" });
}

function bodyTooLarge(limit: number) {
  return httpError("body_too_large", `the text fields are larger than body_limit (${limit} bytes); send a shorter text or raise body_limit`, { Connection: "close" });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 (whitespace and line breaks allowed, as 1C writes it): a stray character is a 400, never skipped. */
function decodeBase64(data: string, index: number): Buffer {
  const clean = data.replace(/\s+/g, "");
  if (!BASE64.test(clean) || clean.length % 4 === 1)
    throw httpError("bad_attachments", `attachments[${index}].data is not base64 (A–Z, a–z, 0–9, +, / and = padding; line breaks are allowed)`);
  return Buffer.from(clean, "base64");
}
