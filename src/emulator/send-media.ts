import { ApiError, errors } from "./api-error.ts";
import type { ChatState } from "./bot-state.ts";
import { replyTarget, snapshot, type ChatMessage } from "./chat-history.ts";
import type { StoredFile } from "./files.ts";
import type { ParsedText } from "./html-entities.ts";
import { readImageInfo } from "../lib/image-info.ts";
import type { MethodContext, MethodResult } from "./method-context.ts";
import { isRecord } from "./params.ts";
import { readInlineKeyboard } from "./reply-markup.ts";
import { checkChatWritable, findRepliedMessage, parseText } from "./send-message.ts";
import type { InlineKeyboardMarkup, SentMessage, TelegramMessage } from "./types.ts";

/**
 * sendDocument, sendPhoto and sendMediaGroup, with uploads (multipart parts) and file_id
 * reuse, checked as Telegram checks them:
 * - a caption is at most 1024 characters after entity parsing ("message caption is too long");
 * - an upload must not be empty; a photo is at most 10 MB (10 × 1024 × 1024), a readable
 *   image (IMAGE_PROCESS_FAILED) whose width + height ≤ 10000 and ratio ≤ 20
 *   (PHOTO_INVALID_DIMENSIONS); any other upload at most 50 MB (413 Request Entity Too Large);
 * - a file_id works for the bot that got it and its kind only ("wrong file identifier/HTTP
 *   URL specified", "can't use file of type Photo as Document");
 * - an album holds 1–10 items ("there are no messages to send", "too many messages to send as
 *   an album"), documents not mixed with photos ("document can't be mixed with other media
 *   types"); an item's server-side refusal reads "failed to send message #N with the error
 *   message …"; one item goes as a single message; reply_markup is not read.
 * Only accepted messages count against the flood limits, one per album item. Photos keep
 * one size, the original bytes (nothing is scaled or recompressed).
 */

export const MAX_CAPTION_LENGTH = 1024;
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const MAX_ALBUM = 10;

type Kind = "document" | "photo";

/** A file ready to send: stored for the bot, and whether this call uploaded it. */
interface Resolved {
  stored: StoredFile;
  uploaded: boolean;
}

interface Item {
  kind: Kind;
  file: Resolved;
  caption: ParsedText | undefined;
  rawCaption: string | undefined;
  parseMode: string | undefined;
}

export const sendDocument = (ctx: MethodContext) => sendOne(ctx, "document");
export const sendPhoto = (ctx: MethodContext) => sendOne(ctx, "photo");

async function sendOne(ctx: MethodContext, kind: Kind): Promise<MethodResult> {
  const { bot, params } = ctx;
  const chat = bot.resolveChat(params.string("chat_id"));
  checkChatWritable(chat);
  const rawCaption = params.string("caption");
  const parseMode = params.string("parse_mode");
  const caption = parseCaption(rawCaption, parseMode);
  const keyboard = readInlineKeyboard(params);
  const replyTo = findRepliedMessage(chat, params);
  const file = await resolveFile(ctx, kind, params.file(kind) ?? params.string(kind));
  spendFlood(ctx, chat, 1);
  const item: Item = { kind, file, caption, rawCaption, parseMode };
  const record = post(ctx, chat, item, { replyTo, keyboard, mediaGroupId: undefined });
  return { result: snapshot(record) };
}

export async function sendMediaGroup(ctx: MethodContext): Promise<MethodResult> {
  const { bot, params } = ctx;
  const chat = bot.resolveChat(params.string("chat_id"));
  checkChatWritable(chat);
  const media = params.json("media");
  if (media === undefined || media === null || (Array.isArray(media) && media.length === 0)) throw errors.badRequest("there are no messages to send");
  if (!Array.isArray(media)) throw errors.badRequest("can't parse media JSON object");
  if (media.length > MAX_ALBUM) throw errors.badRequest("too many messages to send as an album");
  const specs = media.map(readSpec);
  if (specs.some((spec) => spec.kind === "document") && specs.some((spec) => spec.kind !== "document"))
    throw errors.badRequest("document can't be mixed with other media types");
  const replyTo = findRepliedMessage(chat, params);
  const items: Item[] = [];
  for (const [index, spec] of specs.entries()) {
    const caption = parseCaption(spec.caption, spec.parseMode);
    const value = spec.media.startsWith("attach://") ? params.file(spec.media.slice("attach://".length)) : spec.media;
    if (value === undefined) throw errors.badRequest("can't parse InputMedia: media not found");
    const file = await resolveFile(ctx, spec.kind, value).catch((error: unknown) => {
      throw asItemFailure(error, index);
    });
    items.push({ kind: spec.kind, file, caption, rawCaption: spec.caption, parseMode: spec.parseMode });
  }
  spendFlood(ctx, chat, items.length);
  const mediaGroupId = items.length > 1 ? ctx.bot.nextMediaGroupId() : undefined;
  const records = items.map((item) => post(ctx, chat, item, { replyTo, keyboard: undefined, mediaGroupId }));
  return { result: records.map(snapshot) };
}

function readSpec(value: unknown): { kind: Kind; media: string; caption?: string; parseMode?: string } {
  if (!isRecord(value)) throw errors.badRequest("can't parse InputMedia JSON object");
  const type = value.type;
  if (type !== "photo" && type !== "document") throw errors.badRequest(`can't parse InputMedia: type "${String(type)}" is unsupported`);
  if (typeof value.media !== "string" || value.media === "") throw errors.badRequest("can't parse InputMedia: media not found");
  const spec: { kind: Kind; media: string; caption?: string; parseMode?: string } = { kind: type, media: value.media };
  if (typeof value.caption === "string") spec.caption = value.caption;
  if (typeof value.parse_mode === "string") spec.parseMode = value.parse_mode;
  return spec;
}

/** Telegram's servers refuse an album item's content with its position; Bot API checks fail as they are. */
function asItemFailure(error: unknown, index: number): unknown {
  if (!(error instanceof ApiError) || error.error_code !== 400) return error;
  const detail = error.description.replace(/^Bad Request: /, "");
  if (!/IMAGE_PROCESS_FAILED|PHOTO_INVALID_DIMENSIONS|wrong file identifier/.test(detail)) return error;
  return errors.badRequest(`failed to send message #${index + 1} with the error message "${detail}"`);
}

/**
 * TDLib's clean_input_string drops "\r" from what a bot sends (a multipart upload's text
 * fields arrive with CRLF line breaks, as FormData writes them) before the text is parsed
 * and measured.
 */
function parseCaption(caption: string | undefined, parseMode: string | undefined): ParsedText | undefined {
  if (caption === undefined || caption.trim() === "") return undefined;
  const parsed = parseText(caption.replaceAll("\r", ""), parseMode);
  if (parsed.text.length > MAX_CAPTION_LENGTH) throw errors.badRequest("message caption is too long");
  return parsed;
}

/** An upload (a File) is checked and stored; a file_id must be this bot's, of this kind. */
async function resolveFile(ctx: MethodContext, kind: Kind, value: File | string | undefined): Promise<Resolved> {
  if (value === undefined || value === "") throw errors.badRequest(`there is no ${kind} in the request`);
  if (typeof value === "string") {
    const stored = ctx.bot.files.get(value);
    if (!stored) throw errors.badRequest("wrong file identifier/HTTP URL specified");
    const storedKind: Kind = stored.folder === "photos" ? "photo" : "document";
    if (storedKind !== kind) throw errors.badRequest(`can't use file of type ${title(storedKind)} as ${title(kind)}`);
    return { stored, uploaded: false };
  }
  const bytes = new Uint8Array(await value.arrayBuffer());
  if (bytes.length === 0) throw errors.badRequest("file must be non-empty");
  if (kind === "photo") checkPhoto(bytes);
  else if (bytes.length > MAX_UPLOAD_BYTES) throw new ApiError(413, "Request Entity Too Large");
  const sha256 = await sha256Hex(bytes);
  const name = value.name || undefined;
  const dot = name?.lastIndexOf(".") ?? -1;
  const extension = kind === "photo" ? ".jpg" : dot > 0 ? name!.slice(dot).toLowerCase() : "";
  const mime = kind === "photo" ? "image/jpeg" : value.type.split(";")[0] || "application/octet-stream";
  const stored = ctx.bot.files.add({ bytes, folder: kind === "photo" ? "photos" : "documents", extension, mime_type: mime, sha256, ...(kind === "document" && name && { file_name: name }) });
  return { stored, uploaded: true };
}

function checkPhoto(bytes: Uint8Array): void {
  if (bytes.length > MAX_PHOTO_BYTES) throw errors.badRequest(`file of size ${bytes.length} bytes is too big for a photo; the maximum size is ${MAX_PHOTO_BYTES} bytes`);
  const image = readImageInfo(bytes.subarray(0, 512 * 1024));
  if (!image) throw errors.badRequest("IMAGE_PROCESS_FAILED");
  const { width, height } = image;
  if (width + height > 10_000 || Math.max(width, height) / Math.min(width, height) > 20) throw errors.badRequest("PHOTO_INVALID_DIMENSIONS");
}

function spendFlood(ctx: MethodContext, chat: ChatState, messages: number): void {
  if (!ctx.flood) return;
  const now = ctx.now();
  const retryAfter = ctx.flood.retryAfter(ctx.token, chat.chat.id, now);
  if (retryAfter > 0) throw errors.tooManyRequests(retryAfter);
  for (let i = 0; i < messages; i++) ctx.flood.record(ctx.token, chat.chat.id, now);
}

interface PostOptions {
  replyTo: ChatMessage | undefined;
  keyboard: InlineKeyboardMarkup | undefined;
  mediaGroupId: string | undefined;
}

/** Adds the message to the chat and the sent log. */
function post(ctx: MethodContext, chat: ChatState, item: Item, options: PostOptions): ChatMessage {
  const { bot } = ctx;
  const now = ctx.now();
  const { stored } = item.file;
  const message: TelegramMessage = {
    message_id: bot.nextMessageId(chat),
    ...(ctx.params.int("message_thread_id") !== undefined && { message_thread_id: ctx.params.int("message_thread_id")! }),
    from: bot.user,
    chat: chat.chat,
    date: Math.floor(now / 1000),
    ...(options.replyTo && { reply_to_message: replyTarget(options.replyTo) }),
    ...mediaOf(item.kind, stored),
    ...(item.caption && { caption: item.caption.text, ...(item.caption.entities.length > 0 && { caption_entities: item.caption.entities }) }),
    ...(options.keyboard && { reply_markup: options.keyboard }),
  };
  if (options.mediaGroupId) Object.assign(message, { media_group_id: options.mediaGroupId });
  const record = chat.history.add({
    message,
    sender: "bot",
    ...(item.rawCaption !== undefined && { raw_text: item.rawCaption }),
    ...(item.parseMode !== undefined && { parse_mode: item.parseMode }),
    reactions: [],
    deleted: false,
    at: now,
  });
  ctx.onSent(sentRecord(ctx, message, item, now, options));
  return record;
}

function mediaOf(kind: Kind, stored: StoredFile): Partial<TelegramMessage> {
  const ids = { file_id: stored.file_id, file_unique_id: stored.file_unique_id, file_size: stored.bytes.length };
  if (kind === "document") return { document: { ...ids, ...(stored.file_name && { file_name: stored.file_name }), mime_type: stored.mime_type } };
  const image = readImageInfo(stored.bytes.subarray(0, 512 * 1024));
  return { photo: [{ ...ids, width: image?.width ?? 0, height: image?.height ?? 0 }] };
}

function sentRecord(ctx: MethodContext, message: TelegramMessage, item: Item, at: number, options: PostOptions): SentMessage {
  const { stored, uploaded } = item.file;
  const record: SentMessage = {
    token: ctx.token,
    bot_username: ctx.bot.info.username,
    chat_id: message.chat.id,
    message_id: message.message_id,
    text: item.rawCaption ?? "",
    plain_text: item.caption?.text ?? "",
    entities: item.caption?.entities ?? [],
    at,
    params: Object.fromEntries(Object.entries(ctx.params.raw).map(([key, value]) => [key, value instanceof File ? `<file ${value.name}>` : value])),
    file: {
      kind: item.kind,
      ...(stored.file_name && { name: stored.file_name }),
      mime_type: stored.mime_type,
      size: stored.bytes.length,
      sha256: stored.sha256 ?? "",
      file_id: stored.file_id,
      uploaded,
    },
  };
  if (item.parseMode !== undefined) record.parse_mode = item.parseMode;
  const silent = ctx.params.bool("disable_notification");
  if (silent !== undefined) record.disable_notification = silent;
  if (message.message_thread_id !== undefined) record.message_thread_id = message.message_thread_id;
  const replyParameters = ctx.params.json("reply_parameters");
  if (replyParameters !== undefined) record.reply_parameters = replyParameters;
  if (options.keyboard) record.reply_markup = options.keyboard;
  if (options.mediaGroupId) record.media_group_id = options.mediaGroupId;
  return record;
}

function title(kind: Kind): string {
  return kind === "photo" ? "Photo" : "Document";
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
