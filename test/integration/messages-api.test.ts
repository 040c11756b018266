// PATCH and DELETE /messages/{id} through the real HTTP server and the fake Bot API: every
// refusal (4xx, nothing sent to Telegram, nothing written), an edit queued behind its
// message, a deletion that cancels a notification waiting for a paused bot, and what the
// person's chat shows after an edit or deletion Telegram carried out or refused.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { NotificationSchema, OperationSchema } from "../../src/http/openapi.ts";
import { CI_TOKEN, ERP_TOKEN, jsonOf, startNotifyHarness, TOKEN, type NotifyHarness } from "./notify-harness.ts";

let h: NotifyHarness;
/** How far Telegram's clock (the fake's) runs ahead of the real one; it only ever moves forward. */
let telegramAhead = 0;
beforeAll(async () => {
  // sidorov revoked his key: a notification to him fails at once.
  const keyLog = JSON.stringify({ type: "revoked", key: "60011223", by: "user", at: "2026-11-26T09:00:00.000Z" }) + "\n";
  h = await startNotifyHarness({ keyLog, telegramNow: () => Date.now() + telegramAhead });
});
afterAll(() => h.close());
beforeEach(() => h.api.emulator.clearSent());

function call(method: "GET" | "PATCH" | "DELETE", path: string, body?: unknown, token = ERP_TOKEN): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(h.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function notify(body: Record<string, unknown>): Promise<string> {
  const res = await h.post("/notify", body);
  expect(res.status).toBeLessThan(500);
  return (await jsonOf(res)).id as string;
}

/** Edit and delete records in outbox.log. */
async function operationLines(): Promise<number> {
  const text = await readFile(join(h.dir, "data", "outbox.log"), "utf8");
  return text.split("\n").filter((line) => line.includes('"t":"op"')).length;
}

/** Telegram calls an edit or deletion would make. */
const telegramCalls = () => ["editMessageText", "editMessageReplyMarkup", "deleteMessage"].reduce((n, method) => n + h.api.requests(method).length, 0);

async function expectRefused(res: Response, status: number, code: string): Promise<string> {
  const before = await operationLines();
  const calls = telegramCalls();
  const body = (await jsonOf(res)) as { error: { code: string; message: string } };
  expect({ status: res.status, code: body.error.code }).toEqual({ status, code });
  expect(telegramCalls()).toBe(calls);
  expect(await operationLines()).toBe(before);
  return body.error.message;
}

describe("PATCH refusals: 4xx, nothing sent or stored", () => {
  let single: string;
  let multi: string;
  let failed: string;
  beforeAll(async () => {
    single = await notify({ to: "ivanov", text: "Invoice 1042 needs your approval", buttons: [{ text: "Approve", data: "approve:1042" }] });
    multi = await notify({ to: "ivanov", text: `${"a".repeat(4000)}\n\n${"b".repeat(1000)}` });
    failed = await notify({ to: "sidorov", text: "x" });
  });

  const cases: Array<[string, unknown, number, string, string]> = [
    ["unknown field", { text: "x", to: "petrov" }, 400, "unknown_field", 'unknown field "to" in the body'],
    ["nothing to change", { wait: 1 }, 400, "bad_edit", "nothing to change"],
    ["title without text", { title: "x" }, 400, "bad_edit", "format and title apply to a new text"],
    ["malformed buttons", { buttons: "[[{]]" }, 400, "bad_buttons", "buttons is not valid JSON"],
    ["a javascript: url", { buttons: [{ text: "Open", url: "javascript:alert(1)" }] }, 400, "bad_buttons", "url: must be an http:// or https:// URL"],
    ["101 buttons", { buttons: Array.from({ length: 101 }, (_, i) => [{ text: "B", data: `${i}` }]) }, 400, "bad_buttons", "101 buttons"],
    ["an empty label", { buttons: [{ text: " ", data: "x" }] }, 400, "bad_buttons", "text: must be a label with some visible text"],
    ["a text over one message", { text: "x".repeat(4097) }, 409, "not_editable", "would need more than one message"],
  ];
  for (const [name, body, status, code, message] of cases) {
    test(name, async () => {
      expect(await expectRefused(await call("PATCH", `/messages/${single}`, body), status, code)).toContain(message);
    });
  }

  test("a multi-part notification: 409 not_editable", async () => {
    expect(await expectRefused(await call("PATCH", `/messages/${multi}`, { text: "x" }), 409, "not_editable")).toContain("went out as 2 messages per recipient");
  });

  test("a notification whose recipients all failed: 409 not_delivered", async () => {
    expect(await expectRefused(await call("PATCH", `/messages/${failed}`, { text: "x" }), 409, "not_delivered")).toContain("reached nobody");
  });

  test("another client's notification, or an unknown id: 404, as for GET; DELETE too", async () => {
    await expectRefused(await call("PATCH", `/messages/${single}`, { text: "x" }, CI_TOKEN), 404, "not_found");
    await expectRefused(await call("DELETE", `/messages/${single}`, undefined, CI_TOKEN), 404, "not_found");
    await expectRefused(await call("PATCH", "/messages/0mx2azu9ve358c7a2f7", { text: "x" }), 404, "not_found");
  });

  test("an unknown DELETE parameter, a bad wait: 400", async () => {
    await expectRefused(await call("DELETE", `/messages/${single}?force=1`), 400, "unknown_field");
    await expectRefused(await call("DELETE", `/messages/${single}?wait=99`), 400, "bad_wait");
  });
});

describe("operations on a notification that is still queued", () => {
  test("an edit waits behind its message (202); a deletion cancels both at once (200), and nothing reaches the chat", async () => {
    // A 429 pauses the bot for 20 Telegram seconds (2 s here).
    h.api.emulator.failNext(TOKEN, "sendMessage", { error_code: 429, description: "Too Many Requests: retry after 20", retry_after: 20 });
    const id = await notify({ to: "petrov", text: "Invoice 1043 needs your approval", wait: 0 });
    const edit = await call("PATCH", `/messages/${id}?wait=0`, { text: "✅ Approved", buttons: [] });
    const edited = await jsonOf(edit);
    expect({ status: edit.status, body: edited }).toMatchObject({ status: 202, body: { id, operation: "edit", status: "queued", recipients: [{ user: "petrov", status: "queued" }] } });
    expect(Value.Check(OperationSchema, edited)).toBe(true);

    const removal = await call("DELETE", `/messages/${id}`);
    const removed = await jsonOf(removal);
    expect({ status: removal.status, body: removed }).toMatchObject({ status: 200, body: { operation: "delete", status: "done", recipients: [{ user: "petrov", status: "cancelled" }] } });
    // A second DELETE answers with the first.
    const again = await call("DELETE", `/messages/${id}`);
    expect([again.status, again.headers.get("idempotent-replayed"), (await jsonOf(again)).at]).toEqual([200, "true", removed.at]);
    // And the notification says so.
    const status = await jsonOf(await call("GET", `/messages/${id}`));
    expect(Value.Check(NotificationSchema, status)).toBe(true);
    expect(status).toMatchObject({
      status: "cancelled",
      recipients: [{ status: "cancelled" }],
      operations: [
        { operation: "edit", status: "done", recipients: [{ status: "skipped", reason: "the notification was deleted first" }] },
        { operation: "delete", status: "done", recipients: [{ status: "cancelled" }] },
      ],
    });
    expect(await expectRefused(await call("PATCH", `/messages/${id}`, { text: "again" }), 409, "message_deleted")).toContain("was deleted");
    // Past the pause: a later notification to the same chat goes out, the deleted one never does.
    const later = await h.post("/notify", { to: "petrov", text: "later" });
    expect(later.status).toBe(200);
    expect(h.api.emulator.sent(TOKEN, { chat_id: 5002 }).map((message) => message.text)).toEqual(["later"]);
    expect(telegramCalls()).toBe(0);
  });
});

describe("with Telegram's answers: what the person's chat shows afterwards", () => {
  const PETROV = 5002;
  const BUTTONS = [[{ text: "Approve", data: "approve:1042" }], [{ text: "Open", url: "https://erp.example/1042" }]];

  /** A notification to petrov, delivered as one message; its id and that message's id. */
  async function delivered(body: Record<string, unknown>): Promise<{ id: string; messageId: number }> {
    const res = await h.post("/notify", { to: "petrov", ...body });
    const json = await jsonOf(res);
    expect(res.status).toBe(200);
    return { id: json.id as string, messageId: json.recipients[0].message_ids[0] as number };
  }
  const shown = (messageId: number) => h.api.emulator.message(TOKEN, PETROV, messageId)!;

  test("PATCH text of a delivered notification: 200 done; the chat shows the new text and no buttons (Telegram drops those an edit leaves out)", async () => {
    const { id, messageId } = await delivered({ text: "Invoice 1042 needs your approval", buttons: BUTTONS });
    expect(h.api.emulator.keyboard(TOKEN, PETROV, messageId)).toHaveLength(2);
    const res = await call("PATCH", `/messages/${id}`, { text: "✅ **Approved**", format: "markdown" });
    const body = await jsonOf(res);
    expect({ status: res.status, body }).toMatchObject({ status: 200, body: { id, operation: "edit", status: "done", recipients: [{ user: "petrov", status: "done", message_ids: [messageId] }] } });
    expect(Value.Check(OperationSchema, body)).toBe(true);
    expect(body.recipients[0].warning).toBeUndefined();
    const message = shown(messageId);
    expect([message.deleted, message.message.text, message.message.entities?.map((e) => e.type), message.message.reply_markup]).toEqual([false, "✅ Approved", ["bold"], undefined]);
    expect(message.edited_at).toBeNumber();
    expect(await jsonOf(await call("GET", `/messages/${id}`))).toMatchObject({ status: "delivered", operations: [{ operation: "edit", status: "done" }] });
  });

  test("PATCH buttons only: editMessageReplyMarkup; [] removes them; with keep_buttons a text edit keeps them", async () => {
    const { id, messageId } = await delivered({ text: "Invoice 1042 needs your approval", buttons: BUTTONS });
    const texts = h.api.requests("editMessageText").length;
    const markups = h.api.requests("editMessageReplyMarkup").length;
    const receipt = await call("PATCH", `/messages/${id}`, { buttons: [{ text: "Receipt", url: "https://erp.example/1042/receipt" }] });
    expect([receipt.status, (await jsonOf(receipt)).status]).toEqual([200, "done"]);
    expect(shown(messageId).message).toMatchObject({ text: "Invoice 1042 needs your approval", reply_markup: { inline_keyboard: [[{ text: "Receipt", url: "https://erp.example/1042/receipt" }]] } });
    const none = await call("PATCH", `/messages/${id}`, { buttons: [] });
    expect([none.status, (await jsonOf(none)).status]).toEqual([200, "done"]);
    expect(shown(messageId).message.reply_markup).toBeUndefined();
    expect(shown(messageId).message.text).toBe("Invoice 1042 needs your approval");
    expect([h.api.requests("editMessageText").length - texts, h.api.requests("editMessageReplyMarkup").length - markups]).toEqual([0, 2]);

    const kept = await delivered({ text: "Poll: lunch at 13:00?", buttons: BUTTONS, keep_buttons: true });
    const keyboard = h.api.emulator.keyboard(TOKEN, PETROV, kept.messageId);
    const edit = await call("PATCH", `/messages/${kept.id}`, { text: "Poll: lunch at 13:30?" });
    expect([edit.status, (await jsonOf(edit)).status]).toEqual([200, "done"]);
    expect(shown(kept.messageId).message.text).toBe("Poll: lunch at 13:30?");
    // The same buttons with the same handles: a press still finds them.
    expect(h.api.emulator.keyboard(TOKEN, PETROV, kept.messageId)).toEqual(keyboard);
  });

  test("PATCH with the same text again: 200 done with warning 'not modified'", async () => {
    const { id, messageId } = await delivered({ text: "Build 311: running" });
    const first = await jsonOf(await call("PATCH", `/messages/${id}`, { text: "Build 311: passed" }));
    expect(first.recipients[0]).toMatchObject({ status: "done" });
    expect(first.recipients[0].warning).toBeUndefined();
    const again = await call("PATCH", `/messages/${id}`, { text: "Build 311: passed" });
    const body = await jsonOf(again);
    expect({ status: again.status, body }).toMatchObject({ status: 200, body: { status: "done", recipients: [{ status: "done", warning: expect.stringContaining("not modified") }] } });
    // Telegram was asked (and said so): the edit is not skipped on the gateway's own guess.
    expect(h.api.requests("editMessageText").filter((r) => r.status === 400)).toHaveLength(1);
    expect(shown(messageId).message.text).toBe("Build 311: passed");
  });

  test("DELETE of a delivered two-part notification: both messages gone from the chat, 200 done", async () => {
    const res = await h.post("/notify", { to: "petrov", text: `${"a".repeat(4000)}\n\n${"b".repeat(1000)}` });
    const sent = await jsonOf(res);
    const ids = sent.recipients[0].message_ids as number[];
    expect([res.status, ids.length]).toEqual([200, 2]);
    const removal = await call("DELETE", `/messages/${sent.id}`);
    const body = await jsonOf(removal);
    expect({ status: removal.status, body }).toMatchObject({ status: 200, body: { operation: "delete", status: "done", recipients: [{ user: "petrov", status: "done", message_ids: ids }] } });
    expect(ids.map((messageId) => shown(messageId).deleted)).toEqual([true, true]);
    expect(h.api.emulator.messages(TOKEN, PETROV).map((message) => message.message.message_id)).not.toContain(ids[0]);
    expect(h.api.emulator.messages(TOKEN, PETROV).map((message) => message.message.message_id)).not.toContain(ids[1]);
  });

  test("DELETE of a message Telegram can no longer delete (48 h): 424, the recipient failed with Telegram's reason, not retried", async () => {
    const { id, messageId } = await delivered({ text: "Invoice 1042 needs your approval" });
    const deletes = h.api.requests("deleteMessage").length;
    // Two days pass on Telegram's clock (one gateway per process: croner's job names are global, so no second harness).
    telegramAhead += 48 * 60 * 60 * 1000 + 60_000;
    const res = await call("DELETE", `/messages/${id}`);
    const body = await jsonOf(res);
    expect({ status: res.status, body }).toMatchObject({
      status: 424,
      body: { operation: "delete", status: "failed", recipients: [{ user: "petrov", status: "failed", message_ids: [messageId], error: expect.stringContaining("message can't be deleted for everyone") }] },
    });
    // Failed, not queued for another try: Telegram was asked once, and the message is still there.
    expect(h.api.requests("deleteMessage").slice(deletes).map((r) => r.status)).toEqual([400]);
    expect(shown(messageId).deleted).toBe(false);
    expect(await jsonOf(await call("GET", `/messages/${id}`))).toMatchObject({ status: "delivered", operations: [{ operation: "delete", status: "failed", recipients: [{ status: "failed" }] }] });
  });
});
