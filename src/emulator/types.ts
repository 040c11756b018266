// Telegram Bot API object shapes, reduced to the fields the emulator produces.
// Field names are Telegram's (snake_case) so values serialize to the real wire format.

export interface TelegramUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export type ChatType = "private" | "group" | "supergroup" | "channel";

export interface TelegramChat {
  id: number;
  type: ChatType;
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
}

export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

/**
 * One inline keyboard button: a label and exactly one action. The emulator validates
 * `callback_data` and `url` as Telegram does and keeps other kinds (web_app, copy_text, ...)
 * as sent; only callback buttons send the bot a callback query when pressed.
 */
export interface InlineKeyboardButton {
  text: string;
  callback_data?: string;
  url?: string;
  [other: string]: unknown;
}

export interface InlineKeyboardMarkup {
  inline_keyboard: InlineKeyboardButton[][];
}

export interface TelegramDocument {
  file_id: string;
  file_unique_id: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
}

export interface PhotoSize {
  file_id: string;
  file_unique_id: string;
  width: number;
  height: number;
  file_size?: number;
}

/** getFile's answer: `file_path` is what `/file/bot<token>/<file_path>` serves. */
export interface TelegramFile {
  file_id: string;
  file_unique_id: string;
  file_size?: number;
  file_path?: string;
}

export interface BotCommand {
  command: string;
  description: string;
}

export interface TelegramMessage {
  message_id: number;
  message_thread_id?: number;
  from?: TelegramUser;
  chat: TelegramChat;
  date: number;
  /** The message this one replies to, itself without its own reply_to_message (Telegram nests one level). */
  reply_to_message?: TelegramMessage;
  /** Unix seconds of the last edit. */
  edit_date?: number;
  text?: string;
  entities?: MessageEntity[];
  document?: TelegramDocument;
  /** The sizes of one photo, smallest first; the last is the original. */
  photo?: PhotoSize[];
  caption?: string;
  caption_entities?: MessageEntity[];
  /** Only inline keyboards appear here; Telegram omits the field when there is none. */
  reply_markup?: InlineKeyboardMarkup;
  /** The messages of one album share it (a decimal string). */
  media_group_id?: string;
  migrate_to_chat_id?: number;
  migrate_from_chat_id?: number;
}

/** A press of a callback button (Telegram's CallbackQuery, for messages sent by the bot). */
export interface CallbackQuery {
  /** Unique per query; the bot answers it with answerCallbackQuery. */
  id: string;
  from: TelegramUser;
  /** The message with the button as it was when pressed. */
  message: TelegramMessage;
  /** Identifies the chat the message is in (stable per bot and chat). */
  chat_instance: string;
  data: string;
}

export interface ChatMember {
  user: TelegramUser;
  status: "creator" | "administrator" | "member" | "restricted" | "left" | "kicked";
  until_date?: number;
}

export interface ChatMemberUpdated {
  chat: TelegramChat;
  from: TelegramUser;
  date: number;
  old_chat_member: ChatMember;
  new_chat_member: ChatMember;
}

export interface TelegramUpdate {
  update_id: number;
  message?: TelegramMessage;
  callback_query?: CallbackQuery;
  my_chat_member?: ChatMemberUpdated;
}

/** Keys of an update that name its kind, as used by `allowed_updates`. */
export type UpdateKind = Exclude<keyof TelegramUpdate, "update_id">;

export interface ResponseParameters {
  retry_after?: number;
  migrate_to_chat_id?: number;
}

/** What a successful or failed Bot API call returns on the wire. */
export type ApiResponse<T = unknown> =
  | { ok: true; result: T; description?: string }
  | { ok: false; error_code: number; description: string; parameters?: ResponseParameters };

// ---- emulator configuration and helpers' argument shapes ----

export interface RateLimitOptions {
  /** Messages per bot within any 1 s window (Telegram: about 30). */
  perBotPerSecond?: number;
  /** Sustained messages per chat per second (Telegram: about 1). */
  perChatPerSecond?: number;
  /** Telegram tolerates short bursts to one chat before answering 429. */
  perChatBurst?: number;
  /** Messages per group or supergroup within any 60 s window (Telegram: 20). */
  perGroupPerMinute?: number;
}

export interface BotApiEmulatorOptions {
  /** Millisecond clock used for dates and rate limits (default `Date.now`). */
  now?: () => number;
  /** Flood limits to enforce; `false` disables enforcement. */
  limits?: RateLimitOptions | false;
  /**
   * How long the fake's second lasts, as a fraction of a real one (default 1). Tests run
   * the gateway's transport faster (TGSIGNAL_TIME_SCALE) and pass the same scale here, so
   * flood windows and the retry_after of a flood 429 count in the same short seconds.
   */
  timeScale?: number;
  /** Upper bound for a getUpdates long poll, whatever `timeout` the client asked for. */
  longPollMaxMs?: number;
}

export interface BotInit {
  token: string;
  id: number;
  username: string;
  first_name: string;
  description?: string;
}

export interface ChatInit {
  id: number;
  type: "private" | "group" | "supergroup";
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
}

export interface UserInit {
  id: number;
  username?: string;
  first_name: string;
  last_name?: string;
  language_code?: string;
}

/** Who posts a message where: what every person's message (text, document, photo) needs. */
export interface PersonMessageOptions {
  token: string;
  /** Defaults to the private chat with `from` (Telegram: private chat id = user id). */
  chat?: ChatInit;
  from: UserInit;
  /** Makes it a reply to this message of the chat (it must exist and not be deleted). */
  reply_to_message_id?: number;
}

export interface UserWritesOptions extends PersonMessageOptions {
  /** Commands get bot_command entities, @usernames mention entities, as Telegram marks them. */
  text: string;
}

/** One successful sendMessage, with the parameters the client passed. */
export interface SentMessage {
  token: string;
  bot_username: string;
  chat_id: number;
  message_id: number;
  /** The `text` parameter exactly as sent (markup included). */
  text: string;
  /** The text after entity parsing, as a Telegram client would show it. */
  plain_text: string;
  entities: MessageEntity[];
  parse_mode?: string;
  disable_notification?: boolean;
  message_thread_id?: number;
  reply_parameters?: unknown;
  /** The inline keyboard sent with the message, as Telegram keeps it. */
  reply_markup?: InlineKeyboardMarkup;
  /** Emulator clock (ms) when the message was accepted. */
  at: number;
  /** Every parameter of the call, after form/JSON decoding (an uploaded file as its name). */
  params: Record<string, unknown>;
  /** A document or photo: what the chat received (`text` is then the caption, "" for none). */
  file?: SentFileInfo;
  /** Set on each message of an album (2 or more items), the same for all of them. */
  media_group_id?: string;
}

/** A file a bot sent: what the person got, and whether the bytes were uploaded or sent by file_id. */
export interface SentFileInfo {
  kind: "document" | "photo";
  /** A document's name (photos have none). */
  name?: string;
  mime_type: string;
  size: number;
  /** sha256 of the bytes, hex. */
  sha256: string;
  file_id: string;
  /** true: this send uploaded the bytes; false: it reused a file_id. */
  uploaded: boolean;
}

export type SentFilter =
  | ((message: SentMessage) => boolean)
  | { chat_id?: number; text?: string | RegExp };

export interface InjectedFailure {
  error_code: number;
  description: string;
  retry_after?: number;
  /** How many consecutive calls fail (default 1). */
  times?: number;
}

export interface OutageOptions {
  status: 500 | 502 | 503;
  description?: string;
}

export interface EmulatorStats {
  /** Calls per Bot API method name (as Telegram names it, e.g. "sendMessage"). */
  calls: Record<string, number>;
  /** 429 answers returned, whether from flood limits or injected. */
  tooManyRequests: number;
  /** Messages sent per bot username (sendMessage, and each file message). */
  sendsByBot: Record<string, number>;
  /** Files sent with their bytes (sendDocument, sendPhoto, album items), per bot username. */
  uploadsByBot: Record<string, number>;
  /** Files sent again by file_id, per bot username. */
  fileIdReusesByBot: Record<string, number>;
}
