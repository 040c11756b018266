// Scheduled notifications over HTTP against the fake Bot API: 202 `scheduled` at once,
// then delivered once due (never before), cancelled by DELETE, edited by PATCH before
// they go; bad `at`/`delay` are 400 with an example and nothing stored or sent. Due times
// are a second or two ahead: a scheduled time is wall-clock time, never scaled.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { NotificationSchema } from "../../src/http/openapi.ts";
import { jsonOf, PEOPLE, startNotifyHarness, TOKEN, type NotifyHarness } from "./notify-harness.ts";
import { eventually } from "./serve-process.ts";

let h: NotifyHarness;
beforeAll(async () => {
  h = await startNotifyHarness();
});
afterAll(() => h.close());
beforeEach(() => h.api.emulator.clearSent());

const iso = (ms: number) => new Date(ms).toISOString();
const get = async (id: string) => jsonOf(await fetch(`${h.url}/messages/${id}`, { headers: { Authorization: "Bearer erp-token-0123456789abcdef" } }));
const scheduledGauge = async () => Number(/^tgsignal_outbox_scheduled (\d+)$/m.exec(await (await fetch(`${h.url}/metrics`)).text())?.[1]);
const sendsTo = (chat: number) => h.api.emulator.sent(TOKEN).filter((m) => m.chat_id === chat);
const sendRequests = () => h.api.requests("sendMessage").length;

test("202 scheduled at once (wait is not held), then delivered once due, never before", async () => {
  const due = Date.now() + 1500;
  const res = await h.post("/notify", { to: "petrov", text: "Standup in 5 minutes", at: iso(due), wait: 30 });
  const body = await jsonOf(res);
  expect(res.status).toBe(202);
  expect(body).toMatchObject({ status: "scheduled", scheduled_for: iso(due), recipients: [{ user: "petrov", status: "scheduled" }] });
  expect(Value.Check(NotificationSchema, body)).toBe(true);
  expect((await get(body.id)).status).toBe("scheduled");
  expect(await scheduledGauge()).toBe(1);

  await eventually(() => sendsTo(PEOPLE.petrov.chat).length === 1, 10_000, "the scheduled message");
  expect(h.api.requests("sendMessage", TOKEN).at(-1)!.at).toBeGreaterThanOrEqual(due);
  const after = await eventually(async () => {
    const status = await get(body.id);
    return status.status === "delivered" && status;
  });
  expect(after).toMatchObject({ scheduled_for: iso(due), recipients: [{ status: "delivered", message_ids: [expect.any(Number)] }] });
  expect(await scheduledGauge()).toBe(0);
});

test("delay in the query string of /notify/{to} with a text body, and in a form", async () => {
  const viaQuery = await jsonOf(await h.post("/notify/petrov?delay=1h", undefined, { raw: "reminder", headers: { "Content-Type": "text/plain" } }));
  expect(viaQuery).toMatchObject({ status: "scheduled", recipients: [{ user: "petrov", status: "scheduled" }] });
  const viaForm = await h.post("/notify", undefined, { raw: "to=sidorov&text=reminder&delay=2h", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  const form = await jsonOf(viaForm);
  expect(viaForm.status).toBe(202);
  expect(Date.parse(form.scheduled_for) - Date.parse(viaQuery.scheduled_for)).toBeGreaterThan(3_500_000);
  // As `curl -d at=…+03:00` sends it: the "+" unencoded, so the form decodes it as a space.
  const local = new Date(Date.now() + 3 * 3_600_000 + 86_400_000).toISOString().slice(0, 19);
  const plus = await jsonOf(await h.post("/notify", undefined, { raw: `to=sidorov&text=reminder&at=${local}+03:00`, headers: { "Content-Type": "application/x-www-form-urlencoded" } }));
  expect(plus).toMatchObject({ status: "scheduled", scheduled_for: new Date(Date.parse(local + "Z") - 3 * 3_600_000).toISOString() });
  for (const id of [viaQuery.id, form.id, plus.id]) await fetch(`${h.url}/messages/${id}`, { method: "DELETE", headers: { Authorization: "Bearer erp-token-0123456789abcdef" } });
  expect(h.api.emulator.sent()).toHaveLength(0);
});

test("DELETE cancels a scheduled notification: 200, every recipient cancelled, nothing ever sent", async () => {
  const sends = sendRequests();
  const { id } = await jsonOf(await h.post("/notify", { to: ["petrov", "sidorov"], text: "Release at 18:00", delay: "1h" }));
  const res = await fetch(`${h.url}/messages/${id}`, { method: "DELETE", headers: { Authorization: "Bearer erp-token-0123456789abcdef" } });
  expect(res.status).toBe(200);
  expect(await jsonOf(res)).toMatchObject({ operation: "delete", status: "done", recipients: [{ status: "cancelled" }, { status: "cancelled" }] });
  expect(await get(id)).toMatchObject({ status: "cancelled", recipients: [{ status: "cancelled" }, { status: "cancelled" }] });
  expect(await scheduledGauge()).toBe(0);
  // That it stays unsent past its due time is shown on a fake clock (test/delivery/scheduled.test.ts).
  expect(sendRequests()).toBe(sends);
});

test("PATCH before the due time changes the text that goes out (200 done at once)", async () => {
  const due = Date.now() + 1500;
  const { id } = await jsonOf(await h.post("/notify", { to: "sidorov", text: "Standup at 10:00", at: iso(due) }));
  const edit = await fetch(`${h.url}/messages/${id}`, {
    method: "PATCH",
    headers: { Authorization: "Bearer erp-token-0123456789abcdef", "Content-Type": "application/json" },
    body: JSON.stringify({ text: "Standup moved to 11:00" }),
  });
  expect(edit.status).toBe(200);
  expect(await jsonOf(edit)).toMatchObject({ operation: "edit", status: "done", recipients: [{ status: "done" }] });
  await eventually(() => sendsTo(PEOPLE.sidorov.chat).length === 1, 10_000, "the edited message");
  expect(h.api.emulator.sent(TOKEN).map((m) => m.text)).toEqual(["Standup moved to 11:00"]);
  expect(h.api.requests("editMessageText")).toHaveLength(0);
});

test("Idempotency-Key covers the schedule", async () => {
  const headers = { "Idempotency-Key": "reminder-42" };
  const first = await jsonOf(await h.post("/notify", { to: "petrov", text: "x", delay: "1h" }, { headers }));
  const again = await h.post("/notify", { to: "petrov", text: "x", delay: "1h" }, { headers });
  expect([again.status, again.headers.get("idempotent-replayed"), (await jsonOf(again)).id]).toEqual([202, "true", first.id]);
  const other = await h.post("/notify", { to: "petrov", text: "x", delay: "2h" }, { headers });
  expect([other.status, (await jsonOf(other)).error.code]).toEqual([422, "idempotency_key_reused"]);
  await fetch(`${h.url}/messages/${first.id}`, { method: "DELETE", headers: { Authorization: "Bearer erp-token-0123456789abcdef" } });
});

describe("bad at and delay: 400 with an example, nothing stored or sent", () => {
  const cases: Array<[string, () => Promise<Response>, string, string]> = [
    ["at in words", () => h.post("/notify", { to: "ivanov", text: "x", at: "tomorrow, 10am" }), "bad_at", "e.g."],
    ["at without a timezone", () => h.post("/notify", { to: "ivanov", text: "x", at: "2026-11-25T09:00:00" }), "bad_at", '"Z"'],
    ["at more than 30 days ahead", () => h.post("/notify", { to: "ivanov", text: "x", at: iso(Date.now() + 31 * 86_400_000) }), "bad_at", "30 days"],
    ["at not a string or number", () => h.post("/notify", { to: "ivanov", text: "x", at: true }), "bad_at", "at"],
    ["at as milliseconds", () => h.post("/notify", { to: "ivanov", text: "x", at: Date.now() + 60_000 }), "bad_at", "milliseconds"],
    ["at 25:00 in the query", () => h.post("/notify/ivanov?at=25:00", undefined, { raw: "x", headers: { "Content-Type": "text/plain" } }), "bad_at", "00:00 to 23:59"],
    ["delay without a unit", () => h.post("/notify", { to: "ivanov", text: "x", delay: "5" }), "bad_delay", '"30m"'],
    ["delay in weeks, in a form", () => h.post("/notify", undefined, { raw: "to=ivanov&text=x&delay=2w", headers: { "Content-Type": "application/x-www-form-urlencoded" } }), "bad_delay", "e.g."],
    ["delay over 30 days", () => h.post("/notify", { to: "ivanov", text: "x", delay: "31d" }), "bad_delay", "30 days"],
    ["both at and delay", () => h.post("/notify", { to: "ivanov", text: "x", at: "09:00", delay: "5m" }), "duplicate_field", "not both"],
    ["at in the query and the body", () => h.post("/notify/ivanov?at=09:00", { text: "x", at: "10:00" }), "duplicate_field", "at"],
  ];
  for (const [name, send, code, said] of cases) {
    test(name, async () => {
      const before = (await h.outboxLines()).length;
      const sends = sendRequests();
      const res = await send();
      const body = await jsonOf(res);
      expect({ status: res.status, code: body.error.code }).toEqual({ status: 400, code });
      expect(body.error.message).toContain(said);
      expect((await h.outboxLines()).length).toBe(before);
      expect(sendRequests()).toBe(sends);
      expect(await scheduledGauge()).toBe(0);
    });
  }
});
