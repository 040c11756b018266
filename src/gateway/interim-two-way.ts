// INTERIM, branch `conv` only: the lead replaces both at merge with the durable inbox
// (data_dir/inbox.log, events/) and the outbox's notification lookup, and deletes this file.
// Until then the gateway in this branch keeps events in memory (the same dedupe contract:
// one event per update, one decision per message) and knows no notifications (presses are
// answered as expired; replies carry no reply_to).
import type { EventDraft, InboxEvent, InboxStore, StoredEvent } from "../events/types.ts";
import type { NotificationLookup } from "../inbound/notifications.ts";

export function interimInbox(): Pick<InboxStore, "record" | "decided"> {
  const bySource = new Map<string, StoredEvent>();
  const decisions = new Map<string, InboxEvent>();
  let lastId = 0;
  return {
    async record(draft: EventDraft) {
      const { source, event } = draft;
      const sourceKey = `${source.telegramBotId}:${source.updateId}`;
      const seen = bySource.get(sourceKey);
      if (seen) return { stored: seen, isNew: false };
      const messageKey = `${event.bot}:${event.chat_id}:${event.message_id}`;
      const decision = draft.decides ? decisions.get(messageKey) : undefined;
      if (decision) return { stored: { event: decision, fileIds: [] }, isNew: false };
      const id = String(++lastId);
      const files = draft.files.map(({ fileId: _, ...file }, n) => ({ ...file, url: `/events/${id}/files/${n}` }));
      const stored: StoredEvent = { event: { ...event, id, files }, fileIds: draft.files.map((file) => file.fileId) };
      bySource.set(sourceKey, stored);
      if (draft.decides) decisions.set(messageKey, stored.event);
      return { stored, isNew: true };
    },
    decided: (bot, chatId, messageId) => decisions.get(`${bot}:${chatId}:${messageId}`),
  };
}

export const noNotifications: NotificationLookup = {
  get: () => undefined,
  findByMessage: () => undefined,
};
