// The outbox's data model: an accepted notification, already rendered into the Telegram
// HTML parts it will be sent as (so a restart on a newer version sends the same parts),
// and per recipient its delivery progress.

export type RecipientStatus = "queued" | "delivered" | "failed";

export interface Recipient {
  /** The user name from the config. */
  user: string;
  key: string;
  bot: string;
  chatId: number;
  /** `reply_to`: the person's message this notification answers (a Telegram reply). */
  replyToMessageId?: number;
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
}

export interface NotificationState {
  id: string;
  /** Epoch ms when accepted. */
  at: number;
  client: string;
  /** Idempotency-Key and the request fingerprint it was first used with. */
  idempotencyKey?: string;
  fingerprint?: string;
  silent: boolean;
  topic?: number;
  /** Rows of buttons, shown under the last part. */
  buttons?: Button[][];
  /** Buttons stay after a press (default: the first press decides, the buttons go). */
  keepButtons?: boolean;
  /** `reply_to`: the event this answers. */
  replyTo?: string;
  /** Telegram HTML, each at most 4096 visible units; dropped once every recipient is done. */
  parts: string[];
  partCount: number;
  recipients: RecipientState[];
}

export function isSettled(state: NotificationState): boolean {
  return state.recipients.every((recipient) => recipient.status !== "queued");
}

/** "failed" if any recipient failed permanently, else "queued" if any is pending, else "delivered". */
export function overallStatus(state: NotificationState): RecipientStatus {
  if (state.recipients.some((recipient) => recipient.status === "failed")) return "failed";
  if (state.recipients.some((recipient) => recipient.status === "queued")) return "queued";
  return "delivered";
}
