// The notifier over the real outbox (temp dir) with a stub worker and a fake clock: when
// an answer may be given (durability first) and how long a request waits.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Config } from "../../src/config/types.ts";
import { MAX_PARTS, Notifier } from "../../src/delivery/notifier.ts";
import { splitText, TELEGRAM_TEXT_LIMIT } from "../../src/delivery/split.ts";
import { RequestError } from "../../src/lib/errors.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import { NO_EVENTS } from "../../src/delivery/reply-to.ts";
import type { DeliveryWorker } from "../../src/delivery/worker.ts";
import type { KeyLookup } from "../../src/keys/types.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import type { AppendFile, Platform } from "../../src/platform/platform.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { tempDir } from "./outbox-fixtures.ts";

const config = {
  bots: new Map([["main", { id: "main", enabled: true }]]),
  users: new Map([["ivanov", { keys: ["48213977"] }]]),
  groups: new Map(),
} as unknown as Config;

const keys: KeyLookup = {
  lookup: (key) => ({ key, bot: "main", chatId: 5001, chatType: "private", username: null, name: null, issuedAt: "2026-11-25T09:00:00.000Z", status: "active" }),
  recordBlocked: async () => {},
  recordMigrated: async () => {},
};

const caller = { id: "erp", allow: null };
const input = { to: ["ivanov"], text: "disk full", format: "text" as const, silent: false };

let tmp: Awaited<ReturnType<typeof tempDir>>;
let clock: FakeClock;
let outbox: Outbox;
let enqueued: number;
/** While set, fsyncs wait for it to settle (resolve: the sync succeeds, reject: EIO); `reached` resolves when one does. */
let syncGate: { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void; reached: Promise<void>; reach: () => void } | undefined;

const gatedPlatform: Platform = {
  ...bunPlatform,
  async openAppend(path: string): Promise<AppendFile> {
    const file = await bunPlatform.openAppend(path);
    return {
      write: (data) => file.write(data),
      async sync() {
        await file.sync();
        if (!syncGate) return;
        syncGate.reach();
        await syncGate.promise;
      },
      close: () => file.close(),
    };
  },
};

function gateSyncs(): NonNullable<typeof syncGate> {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((yes, no) => ((resolve = yes), (reject = no)));
  promise.catch(() => {});
  let reach!: () => void;
  const reached = new Promise<void>((yes) => (reach = yes));
  syncGate = { promise, resolve, reject, reached, reach };
  return syncGate;
}

function notifier(): Notifier {
  const worker = { enqueue: () => void enqueued++ } as unknown as DeliveryWorker;
  return new Notifier({ outbox, worker, keys, events: NO_EVENTS, config: () => config, clock });
}

beforeEach(async () => {
  tmp = await tempDir();
  clock = new FakeClock();
  enqueued = 0;
  syncGate = undefined;
  outbox = await Outbox.open({ platform: gatedPlatform, clock, log: createMemoryLogger("debug"), dataDir: tmp.dir });
});
afterEach(async () => {
  syncGate?.resolve();
  syncGate = undefined;
  await outbox.close().catch(() => {});
  await tmp.remove();
});

/** Whether `promise` settled by the time the first write reached its (held) fsync, and a few turns after. */
const settledBeforeSync = async (promise: Promise<unknown>): Promise<boolean> => {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await syncGate!.reached;
  for (let turn = 0; turn < 3; turn++) await new Promise((next) => setImmediate(next));
  return settled;
};

test("a retry with the same Idempotency-Key is not answered before the first request is durable", async () => {
  const n = notifier();
  const gate = gateSyncs();
  const first = n.submit(input, caller, "k-1");
  first.catch(() => {});
  const retry = n.submit(input, caller, "k-1");
  retry.catch(() => {});
  expect(await settledBeforeSync(retry)).toBe(false);
  // The fsync fails: the first request is told so, and so is the retry (nothing will deliver it).
  gate.reject(Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" }));
  await expect(first).rejects.toThrow("EIO");
  await expect(retry).rejects.toThrow("EIO");
  expect(enqueued).toBe(0);
});

test("a retry with the same Idempotency-Key while the first is being written answers once it is durable", async () => {
  const n = notifier();
  const gate = gateSyncs();
  const first = n.submit(input, caller, "k-1");
  const retry = n.submit(input, caller, "k-1");
  expect(await settledBeforeSync(retry)).toBe(false);
  gate.resolve();
  const [a, b] = await Promise.all([first, retry]);
  expect(b.state).toBe(a.state);
  expect(b.replayed).toBe(true);
  expect(enqueued).toBe(1);
});

test("waiting with an already aborted signal (shutting down) answers at once", async () => {
  const n = notifier();
  const { state } = await n.submit(input, caller);
  const draining = new AbortController();
  draining.abort();
  // The clock is fake: only the signal can end this 10 s wait.
  let answered = false;
  void n.waitSettled(state, 10_000, draining.signal).then(() => (answered = true));
  for (let turn = 0; turn < 3; turn++) await new Promise((next) => setImmediate(next));
  expect(answered).toBe(true);
});

describe("the 20-message cap counts the plain-text resend", () => {
  const refusalOf = async (text: string) => {
    const error = await notifier()
      .submit({ ...input, text, format: "html" }, caller)
      .then(() => undefined, (caught: unknown) => caught);
    return error instanceof RequestError ? { code: error.code, message: error.message } : error;
  };

  // Tags are free in HTML (one part) but text in the worker's plain-text resend.
  const markup = (visible: number, tags: number) => "<b></b>".repeat(tags) + "x".repeat(visible);

  test("HTML that is one part but 22 plain-text messages is refused before anything is stored", async () => {
    const text = markup(100, 12_800); // ~90 KB
    expect(splitText(text)).toHaveLength(1);
    const refusal = await refusalOf(text);
    expect(refusal).toMatchObject({ code: "text_too_long", message: expect.stringContaining("plain text") });
    expect(outbox.pending()).toHaveLength(0);
    expect(enqueued).toBe(0);
  });

  test(`HTML whose plain-text resend is exactly ${MAX_PARTS} messages is accepted; one character more is not`, async () => {
    const text = markup(720, 11_600); // 7 × 11,600 + 720 = 20 × 4096
    expect(text.length).toBe(MAX_PARTS * TELEGRAM_TEXT_LIMIT);
    const { state } = await notifier().submit({ ...input, text, format: "html" }, caller);
    expect(state.partCount).toBe(1);
    expect(await refusalOf(text + "x")).toMatchObject({ code: "text_too_long" });
  });

  test("1 MiB texts, all markup or all words, are refused", async () => {
    for (const text of [markup(10, 150_000), "x ".repeat(512 * 1024)]) expect(await refusalOf(text)).toMatchObject({ code: "text_too_long" });
  });
});
