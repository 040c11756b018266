// Drafts of events as the conversation hands them to the inbox, and an inbox on the real
// Bun platform in a temp data dir with a fake clock. Shared by the inbox, HTTP and CLI tests.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Inbox, type InboxOptions } from "../../src/events/inbox.ts";
import type { EventDraft, InboxEvent } from "../../src/events/types.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { FakeClock } from "../fakes/fake-clock.ts";

export const DAY = 24 * 60 * 60 * 1000;
export const BOT_ID = 111111;

let updates = 0;

export interface DraftOptions {
  user?: string;
  chat?: number;
  text?: string;
  updateId?: number;
  bot?: string;
  at?: number;
  files?: EventDraft["files"];
}

/** A text message from `user` (chat id = Telegram user id), with a fresh update id unless given. */
export function messageDraft(clock: { now(): number }, options: DraftOptions = {}): EventDraft {
  const chat = options.chat ?? 5001;
  const bot = options.bot ?? "main";
  return {
    source: { bot, telegramBotId: BOT_ID, updateId: options.updateId ?? ++updates },
    event: {
      type: "message",
      at: new Date(options.at ?? clock.now()).toISOString(),
      bot,
      user: options.user ?? "ivanov",
      key: "48213977",
      chat_id: chat,
      message_id: 100 + updates,
      from: { id: chat, username: options.user ?? "ivanov", name: "Ivan Petrov" },
      text: options.text ?? "Где счёт 1042?",
      command: null,
      args: null,
      reply_to: null,
    },
    files: options.files ?? [],
  };
}

/** A press of a button under our message `messageId`. */
export function buttonDraft(clock: { now(): number }, messageId: number, options: DraftOptions & { data?: string; repeatable?: boolean } = {}): EventDraft {
  const draft = messageDraft(clock, options);
  draft.event = { ...draft.event, type: "button", message_id: messageId, text: null, data: options.data ?? "approve:42", button: "Approve", notification: "0mx2azu9ve358c7a2f7" };
  if (options.repeatable) draft.repeatable = true;
  return draft;
}

export interface InboxFixture {
  dir: string;
  clock: FakeClock;
  log: ReturnType<typeof createMemoryLogger>;
  retentionMs: number;
  open(overrides?: Partial<InboxOptions>): Promise<Inbox>;
  remove(): Promise<void>;
}

export async function inboxFixture(): Promise<InboxFixture> {
  const dir = await mkdtemp(join(tmpdir(), "tgsignal-inbox-"));
  const fixture: InboxFixture = {
    dir,
    clock: new FakeClock(),
    log: createMemoryLogger("debug"),
    retentionMs: 7 * DAY,
    open: (overrides = {}) =>
      Inbox.open({ platform: bunPlatform, clock: fixture.clock, log: fixture.log, dataDir: dir, retentionMs: () => fixture.retentionMs, ...overrides }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  return fixture;
}

export const ids = (events: InboxEvent[]) => events.map((event) => event.id);
