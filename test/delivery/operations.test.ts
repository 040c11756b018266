// PATCH and DELETE's checks, over the real outbox (temp dir) with a stub worker: every
// refusal leaves the notification as it was and writes nothing; Idempotency-Key and a
// second DELETE answer with the first; a deletion whose write fails is undone.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MAX_OPERATIONS, MessageOperations, type EditInput } from "../../src/delivery/operations.ts";
import { Outbox } from "../../src/delivery/outbox.ts";
import type { NotificationState } from "../../src/delivery/types.ts";
import { RequestError } from "../../src/lib/errors.ts";
import { createMemoryLogger } from "../../src/lib/log.ts";
import { FakeClock } from "../fakes/fake-clock.ts";
import { notification, recipient, spyPlatform, tempDir, type SpyPlatform } from "./outbox-fixtures.ts";

const caller = { id: "erp", allow: null };
const text: EditInput = { text: "✅ Approved", format: "text" };

let tmp: Awaited<ReturnType<typeof tempDir>>;
let platform: SpyPlatform;
let clock: FakeClock;
let outbox: Outbox;
let operations: MessageOperations;
let enqueued: string[];
/** Recipients the stub worker reports as sending right now. */
let sending: Set<number>;

beforeEach(async () => {
  tmp = await tempDir();
  platform = spyPlatform();
  clock = new FakeClock();
  outbox = await Outbox.open({ platform, clock, log: createMemoryLogger(), dataDir: tmp.dir });
  enqueued = [];
  sending = new Set();
  const worker = { enqueue: (state: NotificationState) => void enqueued.push(state.id), interrupt: () => {}, isDelivering: (_: NotificationState, index: number) => sending.has(index) };
  operations = new MessageOperations({ outbox, worker, clock });
});
afterEach(async () => {
  await outbox.close().catch(() => {});
  await tmp.remove();
});

const lines = async () => (await readFile(join(tmp.dir, "outbox.log"), "utf8")).split("\n").filter(Boolean);

async function delivered(options: Parameters<typeof notification>[1] = {}): Promise<NotificationState> {
  const state = notification(clock.now(), options);
  await outbox.accept(state);
  state.recipients.forEach((_, index) => void outbox.recordSent(state, index, 0, [index + 1]));
  await outbox.flush();
  return state;
}

async function refusal(run: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await run().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  if (!(error instanceof RequestError)) throw new Error(`expected a RequestError, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

describe("an edit is refused, and nothing is written", () => {
  test("for another client's notification, or an unknown id: 404 like GET", async () => {
    const state = await delivered();
    const before = await lines();
    expect(await refusal(() => operations.edit(state.id, text, { id: "ci", allow: null }))).toMatchObject({ code: "not_found" });
    expect(await refusal(() => operations.remove(state.id, { id: "ci", allow: null }))).toMatchObject({ code: "not_found" });
    expect(await refusal(() => operations.edit("nope", text, caller))).toMatchObject({ code: "not_found" });
    expect(await lines()).toEqual(before);
  });

  test("for a multi-part notification, a new text over one message, one that reached nobody, a deleted one: 409", async () => {
    const multi = await delivered({ parts: ["one", "two"] });
    const failed = notification(clock.now(), { recipients: [recipient("ivanov", 5001), recipient("petrov", 5002)] });
    await outbox.accept(failed);
    await outbox.recordFailed(failed, 0, "blocked");
    await outbox.recordFailed(failed, 1, "chat not found");
    const single = await delivered();
    const deleted = await delivered();
    await operations.remove(deleted.id, caller);
    const before = await lines();
    expect(await refusal(() => operations.edit(multi.id, text, caller))).toEqual({
      code: "not_editable",
      message: `notification ${multi.id} went out as 2 messages per recipient; only a one-message notification can be edited (delete it and send a new one)`,
    });
    expect(await refusal(() => operations.edit(single.id, { text: "x".repeat(5000), format: "text" }, caller))).toMatchObject({ code: "not_editable", message: expect.stringContaining("more than one message") });
    expect(await refusal(() => operations.edit(failed.id, text, caller))).toMatchObject({ code: "not_delivered", message: expect.stringContaining("reached nobody") });
    expect(await refusal(() => operations.edit(deleted.id, text, caller))).toMatchObject({ code: "message_deleted" });
    expect(await refusal(() => operations.edit(single.id, { text: "<b></b>", format: "html" }, caller))).toMatchObject({ code: "empty_text" });
    expect(await refusal(() => operations.edit(single.id, { format: "text" }, caller))).toMatchObject({ code: "bad_edit" });
    expect(await lines()).toEqual(before);
    for (const state of [multi, failed, single]) expect(state.ops ?? []).toEqual([]);
  });

  test(`after ${MAX_OPERATIONS} edits: 409 too_many_edits; deleting still works`, async () => {
    const state = await delivered();
    for (let i = 0; i < MAX_OPERATIONS; i++) await operations.edit(state.id, { text: `v${i}`, format: "text" }, caller);
    expect(await refusal(() => operations.edit(state.id, text, caller))).toMatchObject({ code: "too_many_edits" });
    expect((await operations.remove(state.id, caller)).op.kind).toBe("delete");
  });
});

describe("repeats", () => {
  test("an Idempotency-Key returns the first edit; the same key for another edit is 422", async () => {
    const state = await delivered();
    const first = await operations.edit(state.id, text, caller, "approve-1042");
    const again = await operations.edit(state.id, text, caller, "approve-1042");
    expect(again).toMatchObject({ replayed: true });
    expect(again.op).toBe(first.op);
    expect(state.ops).toHaveLength(1);
    expect(await refusal(() => operations.edit(state.id, { text: "other", format: "text" }, caller, "approve-1042"))).toMatchObject({ code: "idempotency_key_reused" });
  });

  test("the same edit without a key is a new edit (Telegram then says not modified)", async () => {
    const state = await delivered();
    await operations.edit(state.id, text, caller);
    await operations.edit(state.id, text, caller);
    expect(state.ops).toHaveLength(2);
  });

  test("two DELETEs at once make one deletion", async () => {
    const state = await delivered();
    const [a, b] = await Promise.all([operations.remove(state.id, caller), operations.remove(state.id, caller)]);
    expect(a.op).toBe(b.op);
    expect([a.replayed, b.replayed]).toEqual([false, true]);
    expect((await lines()).filter((line) => line.includes('"t":"op"'))).toHaveLength(1);
  });
});

describe("deleting", () => {
  test("answers at once for recipients with nothing sent; one being sent or partly sent is left to the worker", async () => {
    const state = notification(clock.now(), { parts: ["one", "two"], recipients: [recipient("a", 1), recipient("b", 2), recipient("c", 3), recipient("d", 4)] });
    await outbox.accept(state);
    await outbox.recordSent(state, 1, 0, [11]); // b: part one out
    await outbox.recordSent(state, 3, 0, [31]);
    await outbox.recordSent(state, 3, 1, [32]); // d: delivered
    sending.add(2); // c: a send on the wire
    const { op } = await operations.remove(state.id, caller);
    expect(state.recipients.map((r) => r.status)).toEqual(["cancelled", "cancelled", "cancelled", "delivered"]);
    expect(op.targets.map((t) => t.status)).toEqual(["cancelled", "queued", "queued", "queued"]);
    expect(enqueued).toEqual([state.id]);
  });

  test("a deletion whose write fails is undone: 507 to the caller, and delivery carries on", async () => {
    const state = notification(clock.now());
    await outbox.accept(state);
    platform.fullAfter = 10;
    const error = await operations.remove(state.id, caller).catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: "storage_full" });
    expect(state.recipients[0]!.status).toBe("queued");
    expect(state.ops).toEqual([]);
    expect(enqueued).toEqual([state.id]);
  });
});
