// `tgsignal events` on a real inbox.log written by the inbox: JSON lines, --after, a
// torn tail left as it is (read-only, no lock, even while a server holds the data dir),
// damage and bad arguments with their exit codes, and --follow through appends and a
// compaction that replaces the file, stopped by SIGINT.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { appendFile, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CliContext } from "../../src/cli/context.ts";
import { FOLLOW_INTERVAL_MS, runEvents, terminalSafeJson } from "../../src/cli/events.ts";
import type { Inbox } from "../../src/events/inbox.ts";
import { StateError, UsageError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { lockDataDir } from "../../src/platform/lock.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { SignalName } from "../../src/platform/platform.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { BUN, ROOT } from "../integration/serve-process.ts";
import { DAY, inboxFixture, messageDraft, type InboxFixture } from "../events/event-fixtures.ts";

let fx: InboxFixture;
let inbox: Inbox | undefined;
let configFile: string;
beforeEach(async () => {
  fx = await inboxFixture();
  configFile = join(fx.dir, "config.yaml");
  // data_dir is the fixture's dir itself, where the inbox writes inbox.log.
  await writeFile(configFile, 'data_dir: .\nbots:\n  main:\n    token: "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA"\nusers:\n  ivanov: 48213977\n');
});
afterEach(async () => {
  await inbox?.close();
  inbox = undefined;
  await fx.remove();
});

const inboxLog = () => join(fx.dir, "inbox.log");

interface Run {
  out: string[];
  err: string[];
  ctx: CliContext;
  clock: FakeClock;
  signal(name: SignalName): void;
}

function context(): Run {
  const out: string[] = [];
  const err: string[] = [];
  const handlers = new Map<SignalName, () => void>();
  const clock = new FakeClock();
  const platform = {
    ...bunPlatform,
    onSignal(name: SignalName, handler: () => void) {
      handlers.set(name, handler);
      return () => handlers.delete(name);
    },
  };
  const ctx: CliContext = { platform, log: createMemoryLogger("debug"), clock, env: {}, print: (text) => void out.push(text), printError: (text) => void err.push(text) };
  return { out, err, ctx, clock, signal: (name) => handlers.get(name)?.() };
}

async function recordTexts(...texts: string[]): Promise<void> {
  inbox ??= await fx.open();
  for (const text of texts) await inbox.record(messageDraft(fx.clock, { text }));
}

const printed = (out: string[]) => out.map((line) => JSON.parse(line) as { id: string; text: string });

/** Real file I/O runs between clock steps: wait for it, bounded, never for a clock. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await Bun.sleep(5);
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe("printing", () => {
  test("each event once, as a JSON line, oldest first; --after skips up to an id", async () => {
    await recordTexts("one", "two", "three");
    const all = context();
    expect(await runEvents(all.ctx, ["-c", configFile])).toBe(0);
    expect(printed(all.out).map((event) => [event.id, event.text])).toEqual([["1", "one"], ["2", "two"], ["3", "three"]]);
    expect(JSON.parse(all.out[0]!)).toEqual(inbox!.get("1")!.event);
    const later = context();
    expect(await runEvents(later.ctx, ["-c", configFile, "--after", "1"])).toBe(0);
    expect(printed(later.out).map((event) => event.id)).toEqual(["2", "3"]);
  });

  test("the high-water mark of a compacted file is not an event", async () => {
    await recordTexts("old");
    await fx.clock.advance(8 * DAY);
    await inbox!.close();
    inbox = await fx.open();
    await recordTexts("new");
    const run = context();
    await runEvents(run.ctx, ["-c", configFile]);
    expect(printed(run.out).map((event) => [event.id, event.text])).toEqual([["2", "new"]]);
  });

  test("read-only: a torn tail is left in the file, and it runs while a server holds the data dir", async () => {
    await recordTexts("one");
    await appendFile(inboxLog(), '{"t":"event","event":{"id":"2"');
    const before = await readFile(inboxLog(), "utf8");
    const lock = await lockDataDir(fx.dir);
    try {
      const run = context();
      expect(await runEvents(run.ctx, ["-c", configFile])).toBe(0);
      expect(printed(run.out).map((event) => event.id)).toEqual(["1"]);
      expect(run.err.join("\n")).toContain("inbox.log:2: torn last record (not valid JSON); ignored");
    } finally {
      await lock.release();
    }
    expect(await readFile(inboxLog(), "utf8")).toBe(before);
  });

  test("no inbox.log yet: nothing printed, exit 0", async () => {
    const run = context();
    expect(await runEvents(run.ctx, ["-c", configFile])).toBe(0);
    expect([run.out, run.err]).toEqual([[], []]);
  });

  test("a damaged middle line is a data dir problem naming file:line; a bad --after is a usage error", async () => {
    await recordTexts("one");
    await appendFile(inboxLog(), '{"t":"nonsense"}\n');
    await recordTexts("two");
    const error = await runEvents(context().ctx, ["-c", configFile]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StateError);
    expect((error as Error).message).toContain('inbox.log:2: damaged record (not an "event" or "mark" record)');
    expect(await runEvents(context().ctx, ["-c", configFile, "--after", "x"]).catch((caught: unknown) => caught)).toBeInstanceOf(UsageError);
    expect(await runEvents(context().ctx, ["-c", configFile, "extra"]).catch((caught: unknown) => caught)).toBeInstanceOf(UsageError);
  });

  test("bidi overrides, DEL and C1 controls from people reach the terminal escaped; the JSON means the same", () => {
    const event = { ...inboxEventWithText("\u202egnp.exe\u202c \x7f\x9b31m ok") };
    const line = terminalSafeJson(event);
    expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(JSON.parse(line)).toEqual(event);
  });
});

function inboxEventWithText(text: string) {
  const draft = messageDraft(fx.clock, { text });
  return { id: "1", ...draft.event, files: [] };
}

describe("--follow", () => {
  test("prints what the server appends, survives a compaction without repeating, stops on SIGINT", async () => {
    await recordTexts("one");
    const run = context();
    const done = runEvents(run.ctx, ["-c", configFile, "--follow"]);
    await until(() => run.clock.pending === 1, "the first poll");
    expect(printed(run.out).map((event) => event.text)).toEqual(["one"]);

    await recordTexts("two", "three");
    await run.clock.advance(FOLLOW_INTERVAL_MS);
    await until(() => run.out.length === 3 && run.clock.pending === 1, "two new events");

    // A restart compacts: inbox.log is replaced by a new file holding the same events.
    await inbox!.close();
    inbox = await fx.open();
    await recordTexts("four");
    await run.clock.advance(FOLLOW_INTERVAL_MS);
    await until(() => run.out.length === 4 && run.clock.pending === 1, "the event after the compaction");
    expect(printed(run.out).map((event) => [event.id, event.text])).toEqual([["1", "one"], ["2", "two"], ["3", "three"], ["4", "four"]]);

    run.signal("SIGINT");
    expect(await done).toBe(0);
    expect(run.err).toEqual([]);
  });

  test("a line still being written is printed once it is complete", async () => {
    await recordTexts("one");
    const run = context();
    const done = runEvents(run.ctx, ["-c", configFile, "--follow"]);
    await until(() => run.clock.pending === 1, "the first poll");
    await recordTexts("two");
    // As if the server had written only the first 20 bytes of its line so far.
    const bytes = await readFile(inboxLog());
    const lastStart = bytes.lastIndexOf(10, bytes.length - 2) + 1;
    await truncate(inboxLog(), lastStart + 20);
    await run.clock.advance(FOLLOW_INTERVAL_MS);
    await until(() => run.clock.pending === 1, "a poll of the half line");
    expect(run.out).toHaveLength(1);
    await appendFile(inboxLog(), bytes.subarray(lastStart + 20));
    await run.clock.advance(FOLLOW_INTERVAL_MS);
    await until(() => run.out.length === 2, "the completed line");
    run.signal("SIGTERM");
    expect(await done).toBe(0);
  });
});

test("the tgsignal binary dispatches `events`: help, exit codes", async () => {
  const run = async (...args: string[]) => {
    const child = Bun.spawn([BUN, join(ROOT, "src/main.ts"), "events", ...args], { stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    return { stdout, stderr, code };
  };
  expect((await run("--help")).stdout).toContain("tgsignal events [-c FILE] [--follow] [--after ID]");
  expect((await run("--after", "abc", "-c", configFile)).code).toBe(2);
  await recordTexts("one");
  const ok = await run("-c", configFile);
  expect([ok.code, JSON.parse(ok.stdout).text]).toEqual([0, "one"]);
  await appendFile(inboxLog(), "garbage\n");
  await recordTexts("two");
  expect((await run("-c", configFile)).code).toBe(3);
}, 20_000);
