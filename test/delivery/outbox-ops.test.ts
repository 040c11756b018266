// The outbox's records for buttons, replies, edits and deletions, on the real Bun platform
// in a temp dir with a fake clock: each new field round-trips through outbox.log (appended
// and compacted), a damaged one stops the open with its line, an operation whose write
// fails is undone, messages are found by id, and button notifications are kept as long as
// events.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeOutboxRecord, encodeNotification } from "../../src/delivery/outbox-records.ts";
import { Outbox, RETENTION_MS } from "../../src/delivery/outbox.ts";
import type { Button, NotificationState, Operation } from "../../src/delivery/types.ts";
import { StateError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { notification, recipient, spyPlatform, tempDir, type SpyPlatform } from "./outbox-fixtures.ts";

const DAY = 24 * 60 * 60 * 1000;
const BUTTONS: Button[][] = [[{ text: "Согласовать", data: "approve:42" }, { text: "Открыть", url: "https://erp.local/42" }], [{ text: "Отклонить", data: "reject:42" }]];

let tmp: Awaited<ReturnType<typeof tempDir>>;
let platform: SpyPlatform;
let clock: FakeClock;
let outbox: Outbox | undefined;
const log = createMemoryLogger("debug");

beforeEach(async () => {
  tmp = await tempDir();
  platform = spyPlatform();
  clock = new FakeClock();
});
afterEach(async () => {
  await outbox?.close().catch(() => {});
  outbox = undefined;
  await tmp.remove();
});

const logPath = () => join(tmp.dir, "outbox.log");

async function open(eventsRetentionMs = 7 * DAY): Promise<Outbox> {
  outbox = await Outbox.open({ platform, clock, log, dataDir: tmp.dir, eventsRetentionMs: () => eventsRetentionMs });
  return outbox;
}

async function reopen(eventsRetentionMs?: number): Promise<Outbox> {
  await outbox?.close();
  outbox = undefined;
  return open(eventsRetentionMs);
}

function interactive(): NotificationState {
  const state = notification(clock.now(), { parts: ["Invoice 1042 needs your approval"], recipients: [recipient("ivanov", 5001), recipient("petrov", 5002)] });
  state.buttons = BUTTONS;
  state.keepButtons = true;
  state.replyTo = "1042";
  state.recipients[0]!.replyToMessageId = 57;
  return state;
}

function edit(state: NotificationState, text = "✅ Согласовано"): Operation {
  return { kind: "edit", at: clock.now(), text, keyboard: [], targets: state.recipients.map(() => ({ status: "queued", attempts: 0 })) };
}

function deletion(state: NotificationState): Operation {
  return { kind: "delete", at: clock.now(), targets: state.recipients.map(() => ({ status: "queued", attempts: 0 })) };
}

describe("round trip", () => {
  test("buttons, keep_buttons, reply_to and the reply's message id come back after a reopen, appended and compacted", async () => {
    let box = await open();
    const state = interactive();
    await box.accept(state);
    box = await reopen(); // replays the appended line, then compacts
    const restored = box.get(state.id)!;
    expect(restored).toMatchObject({ buttons: BUTTONS, keepButtons: true, replyTo: "1042" });
    expect(restored.recipients[0]!.replyToMessageId).toBe(57);
    expect(restored.recipients[1]!.replyToMessageId).toBeUndefined();
    box = await reopen(); // replays the compacted line
    expect(box.get(state.id)).toMatchObject({ buttons: BUTTONS, keepButtons: true, replyTo: "1042" });
  });

  test("an edit and its results, and a deletion that cancels the queued recipient, are replayed in order", async () => {
    let box = await open();
    const state = interactive();
    await box.accept(state);
    await box.recordSent(state, 0, 0, [101]);
    const op = edit(state);
    await box.recordOperation(state, op);
    expect(state.buttons).toBeUndefined(); // the edit shows no buttons
    await box.recordOperationDone(state, 0, 0, { status: "done", warning: "not modified" });
    await box.recordOperation(state, deletion(state));
    // petrov was still queued: cancelled; ivanov's edit was done, the rest of it skipped.
    expect(state.recipients.map((r) => r.status)).toEqual(["delivered", "cancelled"]);
    expect(op.targets.map((t) => t.status)).toEqual(["done", "skipped"]);
    await box.recordOperationDone(state, 1, 0, { status: "failed", reason: "400 Bad Request: message can't be deleted" });
    await box.recordOperationDone(state, 1, 1, { status: "cancelled" });
    // Plain objects: toMatchObject matches them partially (Bun's asymmetric matchers here rewrote the received object).
    const expected = {
      recipients: [{ status: "delivered", messageIds: [101] }, { status: "cancelled" }],
      ops: [
        { kind: "edit", targets: [{ status: "done", warning: "not modified" }, { status: "skipped" }] },
        { kind: "delete", targets: [{ status: "failed", reason: "400 Bad Request: message can't be deleted" }, { status: "cancelled" }] },
      ],
    };
    box = await reopen();
    expect(box.get(state.id)).toMatchObject(expected);
    expect(box.get(state.id)!.buttons).toBeUndefined();
    expect(box.pending()).toEqual([]);
    box = await reopen(); // from the compacted snapshot
    expect(box.get(state.id)).toMatchObject(expected);
    // A settled edit no longer carries its text.
    expect(box.get(state.id)!.ops![0]!.text).toBeUndefined();
  });

  test("a queued edit keeps its text and buttons across restarts, and its notification is pending", async () => {
    let box = await open();
    const state = interactive();
    await box.accept(state);
    await box.recordSent(state, 0, 0, [101]);
    await box.recordSent(state, 1, 0, [201]);
    const op = edit(state, "<b>paid</b>");
    op.keyboard = [[{ text: "Чек", url: "https://erp.local/42/receipt" }]];
    await box.recordOperation(state, op);
    box = await reopen();
    box = await reopen();
    const restored = box.get(state.id)!;
    expect(restored.ops![0]).toMatchObject({ kind: "edit", text: "<b>paid</b>", keyboard: op.keyboard, targets: [{ status: "queued" }, { status: "queued" }] });
    expect(restored.buttons).toEqual(op.keyboard);
    expect(box.pending().map((pending) => pending.id)).toEqual([state.id]);
  });

  test("a send that was on the wire when the notification was deleted is recorded on the cancelled recipient, for the deletion", async () => {
    let box = await open();
    const state = notification(clock.now(), { parts: ["one", "two"] });
    await box.accept(state);
    await box.recordOperation(state, deletion(state));
    await box.recordSent(state, 0, 0, [7]);
    expect(state.recipients[0]).toMatchObject({ status: "cancelled", messageIds: [7] });
    box = await reopen();
    expect(box.get(state.id)!.recipients[0]).toMatchObject({ status: "cancelled", messageIds: [7], next: 1 });
    expect(box.findByMessage("main", 5001, 7)?.id).toBe(state.id);
  });
});

describe("an operation whose write fails", () => {
  test("is undone: the deletion's cancelled recipients are queued again, with their text", async () => {
    const box = await open();
    const state = notification(clock.now(), { parts: ["still to send"] });
    state.buttons = BUTTONS;
    await box.accept(state);
    platform.failSyncs = 1;
    await expect(box.recordOperation(state, deletion(state))).rejects.toThrow("EIO");
    expect(state.recipients[0]!.status).toBe("queued");
    expect(state.parts).toEqual(["still to send"]);
    expect(state.ops).toEqual([]);
    expect(state.buttons).toEqual(BUTTONS);
    const reopened = await reopen();
    expect(reopened.get(state.id)!.ops ?? []).toEqual([]);
    expect(reopened.pending().map((pending) => pending.id)).toEqual([state.id]);
  });
});

describe("what replay checks", () => {
  const good = () => encodeNotification(interactive(), true);
  type Line = ReturnType<typeof good>;
  const opLine = (line: Line, op: Record<string, unknown>) => ({ ...line, ops: [{ kind: "edit", at: 1, text: "x", keyboard: [], targets: [{ status: "queued" }, { status: "queued" }], ...op }] });
  const damaged: Array<[string, (line: Line) => unknown]> = [
    ['bad "buttons" or "keep_buttons"', (line) => ({ ...line, buttons: [{ text: "flat", data: "x" }] })],
    ['bad "buttons" or "keep_buttons"', (line) => ({ ...line, buttons: [[{ text: "both", data: "x", url: "https://x" }]] })],
    ['bad "buttons" or "keep_buttons"', (line) => ({ ...line, buttons: [[{ text: 5, data: "x" }]] })],
    ['bad "buttons" or "keep_buttons"', (line) => ({ ...line, keep_buttons: "yes" })],
    ['bad "reply_to"', (line) => ({ ...line, reply_to: 1042 })],
    ['recipient 0: bad "reply_to_message_id"', (line) => ({ ...line, recipients: [{ ...line.recipients[0]!, reply_to_message_id: "57" }, line.recipients[1]] })],
    ['recipient 0: bad "status"', (line) => ({ ...line, recipients: [{ ...line.recipients[0]!, status: "deleted" }, line.recipients[1]] })],
    ['"ops" must be a list', (line) => ({ ...line, ops: {} })],
    ['operation 0: operation "kind" must be "edit" or "delete"', (line) => opLine(line, { kind: "move" })],
    ['operation 0: operation "targets" must hold one entry per recipient', (line) => opLine(line, { targets: [{ status: "queued" }] })],
    ['operation 0: operation target without a good "status"', (line) => opLine(line, { targets: [{ status: "queued" }, { status: "maybe" }] })],
    ['operation 0: queued edit without "keyboard"', (line) => opLine(line, { keyboard: undefined })],
    ['operation 0: operation "text" or "keyboard" is bad', (line) => opLine(line, { keyboard: [["x"]] })],
    ['opdone record without a final "status"', (line) => ({ t: "opdone", id: line.id, o: 0, r: 0, status: "queued", at: 1 })],
    ['opdone record without "o", "r" or "at"', (line) => ({ t: "opdone", id: line.id, o: -1, r: 0, status: "done", at: 1 })],
    ['operation record without "op"', (line) => ({ t: "op", id: line.id })],
    ['operation "kind" must be "edit" or "delete"', (line) => ({ t: "op", id: line.id, op: { kind: "undo", at: 1, targets: [] } })],
  ];

  test("a damaged button, reply or operation field stops the open with its line number and reason", async () => {
    for (const [reason, damage] of damaged) {
      const text = [good(), damage(good()), good()].map((line) => JSON.stringify(line)).join("\n") + "\n";
      await writeFile(logPath(), text);
      const error = await open().catch((failure: unknown) => failure);
      expect({ reason, error: String(error) }).toEqual({ reason, error: expect.stringContaining(`${logPath()}:2: damaged record (${reason})`) });
      expect(error).toBeInstanceOf(StateError);
      expect(await readFile(logPath(), "utf8")).toBe(text);
    }
  });

  test("an operation for another number of recipients than its notification has stops the open with its line", async () => {
    const line = good();
    const op = { t: "op", id: line.id, op: { kind: "delete", at: 1, targets: [{ status: "queued" }] } };
    const text = [line, op, good()].map((entry) => JSON.stringify(entry)).join("\n") + "\n";
    await writeFile(logPath(), text);
    const error = await open().catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(StateError);
    expect(String(error)).toContain(`${logPath()}:2: damaged record (an operation for 1 recipients on a notification of 2)`);
  });

  test("every new line the outbox writes decodes", () => {
    const state = interactive();
    state.ops = [edit(state), deletion(state)];
    Object.assign(state.recipients[0]!, { status: "delivered", next: 1, messageIds: [3] });
    state.recipients[1]!.status = "cancelled";
    const decode = (withParts: boolean) => decodeOutboxRecord(JSON.parse(JSON.stringify(encodeNotification(state, withParts))));
    for (const withParts of [true, false]) expect(decode(withParts)).toMatchObject({ t: "n", state: { buttons: BUTTONS, replyTo: "1042", ops: [{ kind: "edit" }, { kind: "delete" }] } });
  });
});

describe("finding a notification by one of its messages", () => {
  test("every part of every recipient, after sends, replay and compaction; not another bot's or chat's", async () => {
    let box = await open();
    const state = notification(clock.now(), { parts: ["a", "b"], recipients: [recipient("ivanov", 5001), recipient("petrov", 5002)] });
    await box.accept(state);
    await box.recordSent(state, 0, 0, [11]);
    await box.recordSent(state, 0, 1, [12, 13]);
    await box.recordSent(state, 1, 0, [11]);
    for (const [chat, id] of [[5001, 11], [5001, 12], [5001, 13], [5002, 11]] as const) expect(box.findByMessage("main", chat, id)?.id).toBe(state.id);
    expect(box.findByMessage("main", 5002, 12)).toBeUndefined();
    expect(box.findByMessage("other", 5001, 11)).toBeUndefined();
    box = await reopen();
    expect(box.findByMessage("main", 5001, 13)?.id).toBe(state.id);
    box = await reopen();
    expect(box.findByMessage("main", 5002, 11)?.id).toBe(state.id);
  });

  test("a group that moved is found under its new chat id", async () => {
    const box = await open();
    const state = notification(clock.now(), { recipients: [recipient("ops", -7001)] });
    await box.accept(state);
    state.recipients[0]!.chatId = -1007001; // the worker followed the migration
    await box.recordSent(state, 0, 0, [5]);
    expect(box.findByMessage("main", -1007001, 5)?.id).toBe(state.id);
  });
});

describe("how long notifications are kept", () => {
  async function deliveredAfter(days: number, withButtons: Button[][] | undefined, retention: number) {
    let box = await open(retention);
    const state = notification(clock.now());
    if (withButtons) state.buttons = withButtons;
    await box.accept(state);
    await box.recordSent(state, 0, 0, [1]);
    await clock.advance(days * DAY);
    box = await reopen(retention);
    return { found: box.get(state.id) !== undefined, byMessage: box.findByMessage("main", 5001, 1) !== undefined };
  }

  test("one with data buttons stays as long as events (events_retention), for a late press", async () => {
    expect(await deliveredAfter(6, BUTTONS, 7 * DAY)).toEqual({ found: true, byMessage: true });
    expect(await deliveredAfter(7.01, BUTTONS, 7 * DAY)).toEqual({ found: false, byMessage: false });
  });

  test("one without buttons, or with link buttons only, 24 h; never less than 24 h", async () => {
    expect(await deliveredAfter(RETENTION_MS / DAY + 0.01, undefined, 7 * DAY)).toEqual({ found: false, byMessage: false });
    expect(await deliveredAfter(1.01, [[{ text: "Open", url: "https://x.local" }]], 7 * DAY)).toEqual({ found: false, byMessage: false });
    expect(await deliveredAfter(0.9, BUTTONS, 60 * 60 * 1000)).toEqual({ found: true, byMessage: true });
  });
});
