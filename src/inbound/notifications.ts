// What the conversation needs to know about notifications we sent (the outbox implements
// it; the gateway wires it): which notification a message of ours belongs to (a person's
// reply to it), and a notification's buttons and recipients (a press on one of them).
// Structural types: inbound/ and delivery/ are independent layers.

/** A button as the outbox keeps it: `data` (a press becomes an event) or a `url`. */
export type NotificationButton = { readonly text: string; readonly data: string } | { readonly text: string; readonly url: string };

export interface NotificationRecipient {
  readonly user: string;
  readonly key: string;
  readonly bot: string;
  readonly chatId: number;
  /** Our messages in that chat, one per part; the buttons are under the last. */
  readonly messageIds: readonly number[];
}

export interface NotificationView {
  readonly id: string;
  readonly buttons?: ReadonlyArray<ReadonlyArray<NotificationButton>>;
  /** The buttons stay after a press: every press is an event. */
  readonly keepButtons?: boolean;
  /** Edits and deletions the system asked for (PATCH/DELETE /messages), with when. */
  readonly ops?: ReadonlyArray<{ readonly at: number }>;
  readonly recipients: readonly NotificationRecipient[];
}

export interface NotificationLookup {
  get(id: string): NotificationView | undefined;
  /** The notification that one of our messages in that chat belongs to. */
  findByMessage(bot: string, chatId: number, messageId: number): string | undefined;
}

export interface PressedButton {
  notification: NotificationView;
  recipient: NotificationRecipient;
  text: string;
  data: string;
}

/**
 * The button behind a press, if the press is genuine: the notification still exists, the
 * handle's index is a data button, and the pressed message is that notification's in
 * that chat (a handle copied onto another message proves nothing).
 */
export function findPressed(
  lookup: NotificationLookup,
  handle: { notification: string; index: number },
  at: { bot: string; chatId: number; messageId: number },
): PressedButton | undefined {
  const notification = lookup.get(handle.notification);
  if (!notification) return undefined;
  const button = notification.buttons?.flat()[handle.index];
  if (!button || !("data" in button)) return undefined;
  const recipient = notification.recipients.find(
    (candidate) => candidate.bot === at.bot && candidate.chatId === at.chatId && candidate.messageIds.includes(at.messageId),
  );
  return recipient ? { notification, recipient, text: button.text, data: button.data } : undefined;
}
