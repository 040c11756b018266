// The outbox's data model: an accepted notification, already rendered into the Telegram
// HTML parts it will be sent as (so a restart on a newer version sends the same parts),
// per recipient its delivery progress, and the edits and deletion asked for since.

/** `cancelled`: deleted (DELETE /messages/{id}) before it was sent. */
export type RecipientStatus = "queued" | "delivered" | "failed" | "cancelled";

export interface Recipient {
  /** The user name from the config. */
  user: string;
  key: string;
  bot: string;
  chatId: number;
  /** `reply_to`: the person's message this notification answers (a Telegram reply). */
  replyToMessageId?: number;
}

/** How Telegram shows a file: inline as a photo, or as a document (sent as is). */
export type MediaKind = "photo" | "document";

/** A file a notification carries, stored as data_dir/files/<hash> while a recipient still needs it. */
export interface NotificationFile {
  /** sha256 of the bytes, hex. */
  hash: string;
  /** As the person sees it (sanitised; never used as a path). */
  name: string;
  mime: string;
  size: number;
  as: MediaKind;
}

/**
 * What a file_id is kept under for a bot. The same bytes as a photo and as a document are
 * different files to Telegram, and a document sent by file_id keeps the name it was
 * uploaded with: the same bytes under another name must be uploaded again.
 */
export function fileKey(file: Pick<NotificationFile, "as" | "hash" | "name">): string {
  return file.as === "photo" ? `photo:${file.hash}` : `document:${file.hash}:${file.name}`;
}

/** A button under a notification: a press becomes a `button` event, or it opens a URL. */
export type Button = { text: string; data: string } | { text: string; url: string };

export interface RecipientState extends Recipient {
  status: RecipientStatus;
  /** Index of the next part to send. */
  next: number;
  messageIds: number[];
  /** Why it failed (failed), or the last transient error (queued). */
  reason?: string;
  warning?: string;
  attempts: number;
  /** Epoch ms when delivered or failed. */
  doneAt?: number;
  /** The files' message ids, in the notification's file order, once they went out. */
  fileMessageIds?: number[];
}

export interface NotificationState {
  id: string;
  /** Epoch ms when accepted. */
  at: number;
  /** Epoch ms it is due (`at`/`delay`): nothing goes out before. Absent: sent at once. */
  dueAt?: number;
  client: string;
  /** Idempotency-Key and the request fingerprint it was first used with. */
  idempotencyKey?: string;
  fingerprint?: string;
  silent: boolean;
  topic?: number;
  /** Rows of buttons under the last part, as the message shows them now (a PATCH changes them). */
  buttons?: Button[][];
  /** Buttons stay after a press (default: the first press decides, the buttons go). */
  keepButtons?: boolean;
  /** `reply_to`: the event this answers. */
  replyTo?: string;
  /** PATCH and DELETE /messages/{id}, in the order they were asked for. */
  ops?: Operation[];
  /** Files, sent as one message (one file) or one album (2–10). */
  files?: NotificationFile[];
  /** The part that sends the files, its text their caption ("" for none). */
  filePart?: number;
  /** Telegram's file_ids per bot (fileKey → file_id): every recipient after the first gets the file without an upload. */
  fileIds?: Record<string, Record<string, string>>;
  /** Telegram HTML, each at most 4096 visible units; dropped once every recipient is done. */
  parts: string[];
  partCount: number;
  recipients: RecipientState[];
}

export type OperationKind = "edit" | "delete";

/**
 * An operation's progress for one recipient. `skipped`: that recipient never got the
 * message (its delivery failed), so there is nothing to change; `cancelled`: a deletion
 * that found nothing sent yet and stopped the delivery instead.
 */
export type TargetStatus = "queued" | "done" | "cancelled" | "skipped" | "failed";

export interface OperationTarget {
  status: TargetStatus;
  /** Why it failed or was skipped, or the last transient error while queued. */
  reason?: string;
  warning?: string;
  attempts: number;
  /** Epoch ms when it ended. */
  doneAt?: number;
}

/** An edit or a deletion of what every recipient received. */
export interface Operation {
  kind: OperationKind;
  /** Epoch ms when accepted. */
  at: number;
  /** edit: the new text, Telegram HTML in one message; absent when only the buttons change. */
  text?: string;
  /** edit: the buttons the message shows afterwards (empty: none). */
  keyboard?: Button[][];
  /** PATCH's Idempotency-Key and the fingerprint of the request it was first used with. */
  idempotencyKey?: string;
  fingerprint?: string;
  /** Per recipient, in the notification's recipient order. */
  targets: OperationTarget[];
  /** In memory only: appended but not yet on disk, so the worker does not act on it yet. */
  writing?: boolean;
}

/** Delivery is over: no recipient is still queued. */
export function isSettled(state: NotificationState): boolean {
  return state.recipients.every((recipient) => recipient.status !== "queued");
}

export function isOperationSettled(op: Operation): boolean {
  return op.targets.every((target) => target.status !== "queued");
}

/** Anything left for the worker: a delivery or an operation. */
export function hasWork(state: NotificationState): boolean {
  return !isSettled(state) || (state.ops?.some((op) => !isOperationSettled(op)) ?? false);
}

export function isDeleted(state: NotificationState): boolean {
  return state.ops?.some((op) => op.kind === "delete") ?? false;
}

/** Buttons whose press becomes an event (a URL button only opens its link). */
export function hasDataButtons(buttons: readonly Button[][] | undefined): boolean {
  return buttons?.some((row) => row.some((button) => "data" in button)) ?? false;
}

/** Still waiting for its due time: nothing has gone out, and the worker leaves it alone until then. */
export function isScheduled(state: NotificationState, now: number): boolean {
  return state.dueAt !== undefined && state.dueAt > now && !isSettled(state);
}

/** When sending may start: retries and the 24 h give-up count from here, not from the accept. */
export function sendableFrom(state: NotificationState): number {
  return Math.max(state.at, state.dueAt ?? 0);
}

/**
 * "failed" if any recipient failed permanently, else "queued" if any is pending, else
 * "cancelled" if the whole notification was deleted before it was sent, else "delivered".
 */
export function overallStatus(state: NotificationState): RecipientStatus {
  if (state.recipients.some((recipient) => recipient.status === "failed")) return "failed";
  if (state.recipients.some((recipient) => recipient.status === "queued")) return "queued";
  if (state.recipients.length > 0 && state.recipients.every((recipient) => recipient.status === "cancelled")) return "cancelled";
  return "delivered";
}

/** "failed" if Telegram refused it for any recipient, else "queued" if any is pending, else "done". */
export function operationStatus(op: Operation): "done" | "queued" | "failed" {
  if (op.targets.some((target) => target.status === "failed")) return "failed";
  if (op.targets.some((target) => target.status === "queued")) return "queued";
  return "done";
}

/** A notification's status as answered: `scheduled` while it waits for its due time. */
export type NotificationStatus = RecipientStatus | "scheduled";

/** overallStatus, with `scheduled` in place of `queued` while nothing may go out yet. */
export function notificationStatus(state: NotificationState, now: number): NotificationStatus {
  const status = overallStatus(state);
  return status === "queued" && isScheduled(state, now) ? "scheduled" : status;
}
