// Sends a notification's files to one recipient: one file as a document or a photo, 2–10
// as an album, the part's text as the caption. Every call goes through the call policy
// (rate limiter, 429 pause, retries), and the upload gate makes a bot upload each file
// once: later recipients get Telegram's file_id. When Telegram says no:
// - "wrong file identifier" for a file_id (expired, or the bot's token changed): upload
//   again, once;
// - the image is not a photo it takes (dimensions, processing, size): send the files as
//   documents, once, with a warning;
// - "can't parse entities" in the caption: the caption as plain text if it still fits
//   1024 characters, otherwise the plain text as message(s) first and the files without
//   a caption, with a warning (as texts fall back);
// - anything else: the recipient fails, like a message would.
import type { Logger } from "../lib/log.ts";
import type { FileStore } from "../storage/file-store.ts";
import type { MediaRequest } from "../telegram/bot-client.ts";
import type { MediaFile, SentFile } from "../telegram/media.ts";
import { isPhotoRejected, isWrongFileId } from "../telegram/outcome.ts";
import type { CallPolicy, CallResult } from "./call-policy.ts";
import { buildKeyboard } from "./keyboard.ts";
import { CAPTION_LIMIT } from "./media.ts";
import { plainFallbackParts, splitText } from "./split.ts";
import { fileKey, sendableFrom, type MediaKind, type NotificationState, type RecipientState } from "./types.ts";
import type { Claim, UploadGate } from "./upload-gate.ts";

export interface FileSenderOptions {
  policy: CallPolicy;
  /** Where a stored file is on disk, and whether it is there (data_dir/files). */
  files: Pick<FileStore, "path" | "has">;
  gate: UploadGate;
  log: Logger;
}

/** Where the files sit in the notification: the reply goes on the first message, the buttons on the last. */
export interface FilePlacement {
  first: boolean;
  last: boolean;
}

/** What the worker lends the file step: the group-migration rule and a plain-text send. */
export interface FileStepHooks {
  onMigrated(chatId: number): Promise<void>;
  sendPlainText(text: string, first: boolean): Promise<CallResult<{ message_id: number }>>;
}

export interface FilesSent {
  /** Every message of the step: plain-text caption messages (after a refused caption), then the files'. */
  messageIds: number[];
  fileMessageIds: number[];
  /** file_ids learned by this send's uploads (fileKey → file_id). */
  fileIds: Record<string, string>;
  warning?: string;
}

type CaptionMode = "html" | "plain" | "none";

interface Attempt {
  kinds: MediaKind[];
  caption: CaptionMode;
  retriedIds: boolean;
  warnings: string[];
  before: number[];
}

export class FileSender {
  constructor(private readonly options: FileSenderOptions) {}

  async send(state: NotificationState, index: number, placement: FilePlacement, signal: AbortSignal, hooks: FileStepHooks): Promise<CallResult<FilesSent>> {
    const recipient = state.recipients[index]!;
    const files = state.files ?? [];
    const caption = state.parts[state.filePart ?? 0] ?? "";
    const attempt: Attempt = { kinds: files.map((file) => file.as), caption: caption === "" ? "none" : "html", retriedIds: false, warnings: [], before: [] };
    for (;;) {
      const keys = files.map((file, i) => fileKey({ ...file, as: attempt.kinds[i]! }));
      let claim: Claim;
      try {
        claim = await this.options.gate.claim(recipient.bot, keys, (key) => state.fileIds?.[recipient.bot]?.[key], signal);
      } catch {
        return { ok: false, stopped: true };
      }
      const missing = await this.#missing(state, keys, claim);
      if (missing) {
        claim.settle();
        return { ok: false, action: { kind: "fail", reason: `file "${missing}" is no longer in data_dir/files (removed by hand?); it cannot be sent` } };
      }
      const build = () => this.#request(state, recipient, keys, claim, attempt, placement);
      let result: CallResult<SentFile[]>;
      try {
        result = await this.options.policy.run({ bot: recipient.bot, attempts: recipient, since: sendableFrom(state), signal, call: (client, s) => client.sendMedia(build(), s), onMigrated: hooks.onMigrated });
      } catch (error) {
        claim.settle();
        throw error;
      }
      if (result.ok) return { ok: true, value: this.#sent(result.value, keys, claim, attempt) };
      claim.settle();
      if ("stopped" in result) return result;
      const next = await this.#recover(state, recipient, claim, attempt, result.action, caption, placement, hooks);
      if (next !== "retry") return next;
    }
  }

  /** A refusal the step can work around: "retry" with `attempt` changed, or how the step ended. */
  async #recover(
    state: NotificationState,
    recipient: RecipientState,
    claim: Claim,
    attempt: Attempt,
    action: Extract<CallResult<unknown>, { action: unknown }>["action"],
    caption: string,
    placement: FilePlacement,
    hooks: FileStepHooks,
  ): Promise<"retry" | CallResult<FilesSent>> {
    const failure = action.failure;
    const bot = recipient.bot;
    if (failure && isWrongFileId(failure) && claim.known.size > 0 && !attempt.retriedIds) {
      attempt.retriedIds = true;
      this.options.log.warn("Telegram refused a file_id; uploading the file again", { id: state.id, bot, reason: action.reason });
      for (const key of claim.known.keys()) {
        this.options.gate.forget(bot, key);
        delete state.fileIds?.[bot]?.[key];
      }
      return "retry";
    }
    if (failure && isPhotoRejected(failure) && attempt.kinds.includes("photo")) {
      attempt.kinds = attempt.kinds.map(() => "document");
      attempt.warnings.push(`Telegram did not take the image as a photo (${action.reason}); sent as a document`);
      return "retry";
    }
    if (action.kind !== "plain" || attempt.caption !== "html") return { ok: false, action: action.kind === "plain" ? { ...action, kind: "fail" } : action };
    attempt.warnings.push(`Telegram could not parse the caption's formatting (${action.reason}); sent as plain text`);
    const pieces = plainFallbackParts(caption);
    if (pieces.length === 1 && splitText(pieces[0]!, { mode: "plain", limit: CAPTION_LIMIT, maxParts: 2 }).length === 1) {
      attempt.caption = "plain";
      return "retry";
    }
    // Too long for a caption once its markup counts: the text goes first, the files after it.
    for (const [n, piece] of pieces.entries()) {
      const sent = await hooks.sendPlainText(piece, placement.first && n === 0 && attempt.before.length === 0);
      if (!sent.ok) return sent;
      attempt.before.push(sent.value.message_id);
    }
    attempt.caption = "none";
    return "retry";
  }

  /**
   * The name of a file this send must upload that is not on disk, if any. It cannot be
   * (the bytes are fsynced before the notification is accepted and kept while it is
   * queued), unless someone removed it: then the recipient fails, rather than the upload
   * failing as a network error and backing the whole bot off for 24 h.
   */
  async #missing(state: NotificationState, keys: string[], claim: Claim): Promise<string | undefined> {
    for (const [i, file] of (state.files ?? []).entries()) if (claim.uploads.includes(keys[i]!) && !(await this.options.files.has(file.hash))) return file.name;
    return undefined;
  }

  #sent(messages: SentFile[], keys: string[], claim: Claim, attempt: Attempt): FilesSent {
    const learned: Record<string, string> = {};
    messages.forEach((message, i) => {
      const key = keys[i];
      if (key !== undefined && message.file_id !== undefined && claim.uploads.includes(key)) learned[key] = message.file_id;
    });
    claim.settle(learned);
    const fileMessageIds = messages.map((message) => message.message_id);
    const sent: FilesSent = { messageIds: [...attempt.before, ...fileMessageIds], fileMessageIds, fileIds: learned };
    if (attempt.warnings.length > 0) sent.warning = attempt.warnings.join("; ");
    return sent;
  }

  /** The call as it stands now (a migrated group's new chat id included). */
  #request(state: NotificationState, recipient: RecipientState, keys: string[], claim: Claim, attempt: Attempt, placement: FilePlacement): MediaRequest {
    const files = state.files ?? [];
    const common = {
      chat_id: recipient.chatId,
      ...(state.silent && { disable_notification: true }),
      ...(state.topic !== undefined && { message_thread_id: state.topic }),
      // The reply goes on the first message, unless plain-text caption messages went before.
      ...(placement.first && attempt.before.length === 0 && recipient.replyToMessageId !== undefined && {
        reply_parameters: { message_id: recipient.replyToMessageId, allow_sending_without_reply: true },
      }),
    };
    const caption = attempt.caption === "none" ? {} : { caption: state.parts[state.filePart ?? 0] ?? "", ...(attempt.caption === "html" && { parse_mode: "HTML" as const }) };
    const media = (i: number): MediaFile => {
      const known = claim.known.get(keys[i]!);
      if (known !== undefined) return { fileId: known };
      const file = files[i]!;
      return { path: this.options.files.path(file.hash), name: file.name, mime: file.mime, size: file.size };
    };
    if (files.length === 1) {
      const keyboard = placement.last ? buildKeyboard(state.id, state.buttons) : undefined;
      const params = { ...common, file: media(0), ...caption, ...(keyboard && { reply_markup: keyboard }) };
      return { method: attempt.kinds[0] === "photo" ? "sendPhoto" : "sendDocument", params };
    }
    // The album's caption is the first item's: Telegram shows it under the album.
    const items = files.map((_, i) => ({ kind: attempt.kinds[i]!, file: media(i), ...(i === 0 ? caption : {}) }));
    return { method: "sendMediaGroup", params: { ...common, media: items } };
  }
}
