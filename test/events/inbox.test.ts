// The durable inbox on the real Bun platform in a temp data dir, with a fake clock for the
// retention: durability before record resolves, dedupe of replayed updates (also across a
// restart), one decision per message, ids that only grow across restarts and compactions,
// torn and damaged lines, reads by cursor, and long-poll waiters.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Inbox } from "../../src/events/inbox.ts";
import { StateError } from "../../src/lib/errors.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { AppendFile, Platform } from "../../src/platform/platform.ts";
import { spyPlatform } from "../delivery/outbox-fixtures.ts";
import { buttonDraft, DAY, ids, inboxFixture, messageDraft, type InboxFixture } from "./event-fixtures.ts";

let fx: InboxFixture;
let inbox: Inbox | undefined;
beforeEach(async () => {
  fx = await inboxFixture();
});
afterEach(async () => {
  await inbox?.close().catch(() => {});
  inbox = undefined;
  await fx.remove();
});

const logPath = () => join(fx.dir, "inbox.log");
const linesOnDisk = async () => (await readFile(logPath(), "utf8").catch(() => "")).split("\n").filter(Boolean).map((line) => JSON.parse(line));

async function open(platform?: Platform): Promise<Inbox> {
  inbox = await fx.open(platform ? { platform } : {});
  return inbox;
}

async function reopen(): Promise<Inbox> {
  await inbox?.close();
  inbox = undefined;
  return open();
}

/** The Bun platform whose fsyncs wait until `release()`: what a reader sees while a write is in flight. */
function gatedPlatform(): Platform & { release(): void; syncing: number } {
  let open = Promise.withResolvers<void>();
  const platform = {
    ...bunPlatform,
    syncing: 0,
    release() {
      open.resolve();
      open = Promise.withResolvers<void>();
    },
    async openAppend(path: string): Promise<AppendFile> {
      const file = await bunPlatform.openAppend(path);
      return {
        write: (data) => file.write(data),
        async sync() {
          platform.syncing++;
          await open.promise;
          platform.syncing--;
          await file.sync();
        },
        close: () => file.close(),
      };
    },
  };
  return platform;
}

describe("recording", () => {
  test("an event is on disk, fsynced, when record resolves; concurrent records share fsyncs", async () => {
    const spy = spyPlatform();
    const box = await open(spy);
    const results = await Promise.all(Array.from({ length: 50 }, () => box.record(messageDraft(fx.clock))));
    expect(results.every((result) => result.isNew)).toBe(true);
    expect(spy.syncs()).toBeLessThanOrEqual(2);
    const lines = await linesOnDisk();
    expect(lines).toHaveLength(50);
    expect(lines.map((line) => line.event.id)).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 1)));
  });

  test("the event is served in the documented shape, with file URLs from its id and the file ids kept private", async () => {
    const box = await open();
    const draft = messageDraft(fx.clock, { files: [{ name: "счёт.pdf", mime: "application/pdf", size: 1234, fileId: "BQACAgIAAx0" }] });
    const { stored } = await box.record(draft);
    expect(Object.keys(stored.event)).toEqual(["id", "type", "at", "bot", "user", "key", "chat_id", "message_id", "from", "text", "command", "args", "reply_to", "files"]);
    expect(stored.event.files).toEqual([{ name: "счёт.pdf", mime: "application/pdf", size: 1234, url: "/events/1/files/0" }]);
    expect(stored.fileIds).toEqual(["BQACAgIAAx0"]);
    expect(JSON.stringify(stored.event)).not.toContain("BQACAgIAAx0");
    const [line] = await linesOnDisk();
    expect(line).toEqual({ t: "event", event: stored.event, source: { bot: "main", bot_id: 111111, update_id: draft.source.updateId }, file_ids: ["BQACAgIAAx0"] });
  });

  test("a malformed draft is refused before anything is written: it would stop the next start", async () => {
    const box = await open();
    const draft = messageDraft(fx.clock);
    draft.event.at = "yesterday";
    await expect(box.record(draft)).rejects.toThrow("malformed event");
    expect(await linesOnDisk()).toEqual([]);
    expect(box.after("0", 10)).toEqual([]);
  });

  test("a failed write rejects, leaves nothing readable, and the same update can be recorded again", async () => {
    const spy = spyPlatform();
    const box = await open(spy);
    const draft = messageDraft(fx.clock);
    spy.failSyncs = 1;
    await expect(box.record(draft)).rejects.toThrow("EIO");
    expect(box.after("0", 10)).toEqual([]);
    expect(box.lastId()).toBe("0");
    const again = await box.record(draft);
    expect(again.isNew).toBe(true);
    // The failed write's id is never given again.
    expect(again.stored.event.id).toBe("2");
    expect(ids(box.after("0", 10))).toEqual(["2"]);
  });
});

describe("one event per update, one decision per message", () => {
  test("a replayed update gives back the first event, concurrently, later, and after a restart", async () => {
    const box = await open();
    const draft = messageDraft(fx.clock, { updateId: 777 });
    const [first, concurrent] = await Promise.all([box.record(draft), box.record(draft)]);
    expect([first.isNew, concurrent.isNew]).toEqual([true, false]);
    expect(concurrent.stored).toBe(first.stored);
    expect((await box.record(draft)).isNew).toBe(false);
    const after = await (await reopen()).record(draft);
    expect(after).toEqual({ stored: first.stored, isNew: false });
    expect((await linesOnDisk()).filter((line) => line.t === "event")).toHaveLength(1);
  });

  test("the same update id of another bot is another event", async () => {
    const box = await open();
    const draft = messageDraft(fx.clock, { updateId: 5 });
    await box.record(draft);
    const other = { ...draft, source: { ...draft.source, telegramBotId: 222222 } };
    expect((await box.record(other)).isNew).toBe(true);
  });

  test("a second press on the same message is refused and decided() gives the first, also after a restart", async () => {
    const box = await open();
    const first = await box.record(buttonDraft(fx.clock, 3, { data: "approve:42" }));
    const second = await box.record(buttonDraft(fx.clock, 3, { data: "reject:42", user: "petrov", chat: 5001 }));
    expect(second).toEqual({ stored: first.stored, isNew: false });
    expect(box.decided("main", 5001, 3)).toEqual(first.stored.event);
    expect(box.decided("main", 5001, 4)).toBeUndefined();
    const reopened = await reopen();
    expect(reopened.decided("main", 5001, 3)?.data).toBe("approve:42");
    expect((await reopened.record(buttonDraft(fx.clock, 3, { data: "reject:42" }))).isNew).toBe(false);
    expect(reopened.after("0", 10)).toHaveLength(1);
  });

  test("a keep_buttons press (repeatable) is recorded every time; decided() still names the first", async () => {
    const box = await open();
    const first = await box.record(buttonDraft(fx.clock, 3, { repeatable: true, data: "more" }));
    const second = await box.record(buttonDraft(fx.clock, 3, { repeatable: true, data: "more" }));
    expect([first.isNew, second.isNew]).toEqual([true, true]);
    expect(box.decided("main", 5001, 3)?.id).toBe(first.stored.event.id);
    expect(box.after("0", 10)).toHaveLength(2);
  });
});

describe("ids", () => {
  test("ids compare as numbers: 10 comes after 9", async () => {
    const box = await open();
    for (let i = 0; i < 12; i++) await box.record(messageDraft(fx.clock));
    expect(ids(box.after("9", 10))).toEqual(["10", "11", "12"]);
    expect(ids(box.after("10", 10))).toEqual(["11", "12"]);
    expect(ids(box.after("0", 3))).toEqual(["1", "2", "3"]);
    expect(box.after("12", 10)).toEqual([]);
    expect(box.after("99999999999999999999", 10)).toEqual([]);
  });

  test("ids keep growing across restarts and after every kept event expired and was compacted away", async () => {
    let box = await open();
    for (let i = 0; i < 3; i++) await box.record(messageDraft(fx.clock));
    box = await reopen();
    expect((await box.record(messageDraft(fx.clock))).stored.event.id).toBe("4");
    await fx.clock.advance(8 * DAY);
    box = await reopen();
    expect(box.after("0", 10)).toEqual([]);
    expect(await linesOnDisk()).toEqual([{ t: "mark", last_id: "4" }]);
    expect(box.lastId()).toBe("4");
    box = await reopen();
    expect((await box.record(messageDraft(fx.clock))).stored.event.id).toBe("5");
  });
});

describe("retention", () => {
  test("an idle inbox forgets on the clock: expired events leave memory and the file", async () => {
    const box = await open();
    await box.record(messageDraft(fx.clock, { text: "old" }));
    await fx.clock.advance(6 * DAY);
    await box.record(messageDraft(fx.clock, { text: "recent" }));
    await fx.clock.advance(1 * DAY + 60 * 60 * 1000);
    await box.flush();
    expect((await linesOnDisk()).map((line) => line.event?.text)).toEqual([undefined, "recent"]);
    expect(box.after("0", 10).map((event) => event.text)).toEqual(["recent"]);
    expect(box.get("1")).toBeUndefined();
    expect((await linesOnDisk())[0]).toEqual({ t: "mark", last_id: "2" });
  });

  test("a busy inbox drops expired events once its appends outnumber what it keeps, without waiting for the sweep", async () => {
    // A clock whose sleeps never end: only the append path can compact here.
    let now = fx.clock.now();
    const clock = { now: () => now, sleep: (_ms: number, signal?: AbortSignal) => new Promise<void>((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason))) };
    const box = (inbox = await fx.open({ clock }));
    await box.record(messageDraft(clock, { text: "old" }));
    now += 8 * DAY;
    // 10,000 appends since the rewrite at open (the minimum) are the trigger: 9,999 are not.
    for (let i = 0; i < 2; i++) await Promise.all(Array.from({ length: 4999 }, () => box.record(messageDraft(clock))));
    expect(box.get("1")).toBeDefined();
    await box.record(messageDraft(clock));
    await box.flush();
    expect(box.get("1")).toBeUndefined();
    const lines = await linesOnDisk();
    expect({ first: lines[0], events: lines.length - 1 }).toEqual({ first: { t: "mark", last_id: "10000" }, events: 9999 });
  });

  test("a shorter retention from a reload applies at the next sweep", async () => {
    const box = await open();
    await box.record(messageDraft(fx.clock));
    await fx.clock.advance(2 * DAY);
    expect(box.after("0", 10)).toHaveLength(1);
    fx.retentionMs = DAY;
    await fx.clock.advance(60 * 60 * 1000);
    await box.flush();
    expect(await linesOnDisk()).toEqual([{ t: "mark", last_id: "1" }]);
    expect(box.after("0", 10)).toEqual([]);
  });
});

describe("replay", () => {
  const line = (id: string, update: number) =>
    JSON.stringify({ t: "event", event: { ...messageDraft({ now: () => Date.now() }).event, id, files: [] }, source: { bot: "main", bot_id: 111111, update_id: update }, file_ids: [] });

  test("a torn last line is cut off with a warning", async () => {
    await writeFile(logPath(), `${line("1", 1)}\n{"t":"event","event":{"id":"2"`);
    const box = await open();
    expect(ids(box.after("0", 10))).toEqual(["1"]);
    expect(fx.log.lines.join("\n")).toContain("inbox.log:2: torn last record");
    expect((await box.record(messageDraft(fx.clock))).stored.event.id).toBe("2");
  });

  test("a damaged middle line stops the start, naming file:line and what is wrong", async () => {
    await writeFile(logPath(), `${line("1", 1)}\n${line("x", 2)}\n${line("3", 3)}\n`);
    const error = await fx.open().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).code).toBe("inbox_damaged");
    expect((error as StateError).message).toContain('inbox.log:2: damaged record (bad event record (/event/id: must be a decimal number that only grows; compare as numbers, got "x"))');
    await writeFile(logPath(), `${line("1", 1)}\n{"t":"event","event":{},"source":{"bot":"main","bot_id":1,"update_id":2},"file_ids":[]}\n${line("3", 3)}\n`);
    expect(((await fx.open().catch((caught: unknown) => caught)) as Error).message).toContain("inbox.log:2: damaged record (bad event record (/event/id: missing))");
  });

  test("a line with files but without their ids is damage, not a crash when the file is asked for", async () => {
    const bad = JSON.parse(line("1", 1));
    bad.event.files = [{ name: "a.pdf", mime: "application/pdf", size: 1, url: "/events/1/files/0" }];
    await writeFile(logPath(), `${JSON.stringify(bad)}\n${line("2", 2)}\n`);
    expect(((await fx.open().catch((caught: unknown) => caught)) as Error).message).toContain('"file_ids" must have one id per entry');
  });
});

describe("reading", () => {
  test("a filter reads past what it refuses; until says how far it looked", async () => {
    const box = await open();
    for (const user of ["ivanov", "petrov", "petrov", "ivanov", "petrov"]) await box.record(messageDraft(fx.clock, { user }));
    const mine = (event: { user: string }) => event.user === "ivanov";
    expect(box.read("0", 10, mine)).toEqual({ events: box.after("0", 10, mine), until: "5" });
    expect(ids(box.read("0", 10, mine).events)).toEqual(["1", "4"]);
    expect(box.read("0", 1, mine)).toMatchObject({ until: "1" });
    expect(box.read("4", 10, mine)).toEqual({ events: [], until: "5" });
    expect(box.read("7", 10, mine)).toEqual({ events: [], until: "7" });
  });

  test("an event is not readable while its write is in flight, nor anything after it", async () => {
    const gated = gatedPlatform();
    const box = await open(gated);
    const first = box.record(messageDraft(fx.clock));
    while (gated.syncing === 0) await Bun.sleep(1);
    expect(box.after("0", 10)).toEqual([]);
    expect(box.read("0", 10)).toEqual({ events: [], until: "0" });
    expect(box.get("1")).toBeUndefined();
    gated.release();
    await first;
    expect(ids(box.after("0", 10))).toEqual(["1"]);
  });
});

describe("waiting", () => {
  test("waiters are woken once by a new durable event; one waiting past it keeps waiting", async () => {
    const box = await open();
    await box.record(messageDraft(fx.clock));
    const never = new AbortController();
    const woken: string[] = [];
    const waits = [box.waitForNewer("1", never.signal).then(() => woken.push("a")), box.waitForNewer("1", never.signal).then(() => woken.push("b"))];
    const ahead = new AbortController();
    const waitingAhead = box.waitForNewer("2", ahead.signal).then(() => woken.push("ahead"));
    expect(box.waiting).toBe(3);
    await box.record(messageDraft(fx.clock));
    await Promise.all(waits);
    expect(woken.sort()).toEqual(["a", "b"]);
    expect(box.waiting).toBe(1);
    await box.record(messageDraft(fx.clock));
    await waitingAhead;
    expect(woken).toContain("ahead");
    expect(box.waiting).toBe(0);
  });

  test("a waiter for an event already there returns at once", async () => {
    const box = await open();
    await box.record(messageDraft(fx.clock));
    await box.waitForNewer("0", new AbortController().signal);
    expect(box.waiting).toBe(0);
  });

  test("a waiter is not woken by an event that is not yet durable", async () => {
    const gated = gatedPlatform();
    const box = await open(gated);
    let woken = false;
    const wait = box.waitForNewer("0", new AbortController().signal).then(() => (woken = true));
    const recorded = box.record(messageDraft(fx.clock));
    while (gated.syncing === 0) await Bun.sleep(1);
    await Bun.sleep(5);
    expect(woken).toBe(false);
    gated.release();
    await recorded;
    await wait;
    expect(woken).toBe(true);
  });

  test("abort releases a waiter and removes it; close releases every waiter", async () => {
    const box = await open();
    const aborted = new AbortController();
    const first = box.waitForNewer("0", aborted.signal);
    const second = box.waitForNewer("0", new AbortController().signal);
    expect(box.waiting).toBe(2);
    aborted.abort();
    await first;
    expect(box.waiting).toBe(1);
    await box.close();
    await second;
    expect(box.waiting).toBe(0);
    inbox = undefined;
  });
});
