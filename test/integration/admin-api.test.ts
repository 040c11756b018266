// The admin API through the real server and the fake Bot API: a live revocation (the
// person told in their language on the bot's reply path, keys.log, a notification queued
// behind a 429 pause failed with the reason, later ones refused clearly), the list, and
// reloads of the real config file.
import { afterEach, expect, test } from "bun:test";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { jsonOf, PEOPLE, startNotifyHarness, TOKEN, type NotifyHarness } from "./notify-harness.ts";
import { eventually } from "./serve-process.ts";

const OPS_TOKEN = "ops-admin-token-0123456789abcdef";
const ADMIN_CLIENT = `  ops:\n    token: ${OPS_TOKEN}\n    admin: true`;
/** A person who asked in Russian (language kept in keys.log). */
const KUZNETSOV = { key: "90011223", chat: 5009 };

let h: NotifyHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(poll?: string): Promise<NotifyHarness> {
  const issued = { type: "issued", key: KUZNETSOV.key, bot: "main", chat_id: KUZNETSOV.chat, chat_type: "private", username: "kuz", name: "Кузнецов", language: "ru", at: "2026-11-25T09:00:00.000Z" };
  const harness = await startNotifyHarness({ clients: ADMIN_CLIENT, keyLog: JSON.stringify(issued) + "\n", extraUsers: `  kuznetsov: ${KUZNETSOV.key}`, poll });
  harness.api.emulator.addChat(TOKEN, { id: KUZNETSOV.chat, type: "private", first_name: "K" });
  return harness;
}

const admin = (harness: NotifyHarness, method: string, path: string, token = OPS_TOKEN) =>
  fetch(harness.url + path, { method, headers: { Authorization: `Bearer ${token}` } });
const keyLog = async (harness: NotifyHarness) => (await readFile(join(harness.dir, "data", "keys.log"), "utf8")).trim().split("\n").map((line) => JSON.parse(line));

test("a live revocation: the queued notification fails with the reason, the person is told in Russian, keys.log records it, later notifies fail clearly", async () => {
  h = await start();
  const harness = h;
  // Telegram pauses the bot for 20 of its seconds (2 s here): the notification waits.
  harness.api.emulator.failNext(TOKEN, "sendMessage", { error_code: 429, description: "Too Many Requests: retry after 20", retry_after: 20 });
  const queued = await harness.post("/notify", { to: "kuznetsov", text: "Счёт 1042 ждёт", wait: 0 });
  expect(queued.status).toBe(202);
  const { id } = await jsonOf(queued);
  await eventually(() => harness.api.requests("sendMessage").some((request) => request.status === 429), 5000, "the 429");

  const res = await admin(harness, "POST", `/keys/${KUZNETSOV.key}/revoke`);
  expect(res.status).toBe(200);
  expect(await jsonOf(res)).toMatchObject({ revoked: true, told: true, key: { key: KUZNETSOV.key, status: "revoked", revoked_by: "admin", user: "kuznetsov" } });
  expect((await keyLog(harness)).at(-1)).toMatchObject({ type: "revoked", key: KUZNETSOV.key, by: "admin" });

  const status = await jsonOf(await fetch(`${harness.url}/messages/${id}?wait=10`, { headers: { Authorization: "Bearer erp-token-0123456789abcdef" } }));
  expect(status).toMatchObject({ status: "failed", recipients: [{ user: "kuznetsov", status: "failed", error: expect.stringContaining(`the admin revoked key ${KUZNETSOV.key}`) }] });

  // The reply waits out the same pause (one rate limiter per bot), then arrives.
  const told = (await eventually(() => harness.api.emulator.sent(TOKEN, { chat_id: KUZNETSOV.chat }).find((message) => message.text.includes("отозван")), 10_000, "the revoked text"))!;
  expect(told.text).toBe(`Ключ ${KUZNETSOV.key} отозван. Уведомления больше не будут приходить. Новый ключ: /key`);
  expect(harness.api.emulator.sent(TOKEN, { chat_id: KUZNETSOV.chat }).map((message) => message.text)).toEqual([told.text]);

  const later = await harness.post("/notify", { to: "kuznetsov", text: "ещё" });
  expect(later.status).toBe(424);
  expect((await jsonOf(later)).recipients[0].error).toContain(`the admin revoked key ${KUZNETSOV.key}; the person must send /key for a new one`);
  expect(harness.log.lines.some((line) => line.includes("admin: key revoked") && line.includes("client=ops") && line.includes(`key=${KUZNETSOV.key}`))).toBe(true);
}, 30_000);

test("the person's own /stop does the same to a notification waiting out a 429 pause: it fails with the reason, nothing is sent to the key", async () => {
  h = await start("* * * * * *");
  const harness = h;
  harness.api.emulator.failNext(TOKEN, "sendMessage", { error_code: 429, description: "Too Many Requests: retry after 20", retry_after: 20 });
  const { id } = await jsonOf(await harness.post("/notify", { to: "kuznetsov", text: "Счёт 1042 ждёт", wait: 0 }));
  await eventually(() => harness.api.requests("sendMessage").some((request) => request.status === 429), 5000, "the 429");

  harness.api.emulator.userWrites({ token: TOKEN, from: { id: KUZNETSOV.chat, first_name: "K", language_code: "ru" }, text: "/stop" });
  await eventually(async () => (await keyLog(harness)).at(-1)?.type === "revoked", 5000, "the revocation");
  expect((await keyLog(harness)).at(-1)).toMatchObject({ type: "revoked", key: KUZNETSOV.key, by: "user" });
  // Failed at once, not after the pause (2 s here) and a look at the key.
  const status = await jsonOf(await fetch(`${harness.url}/messages/${id}?wait=1`, { headers: { Authorization: "Bearer erp-token-0123456789abcdef" } }));
  expect(status).toMatchObject({ status: "failed", recipients: [{ status: "failed", error: "the person revoked this key (/stop)" }] });
  const told = (await eventually(() => harness.api.emulator.sent(TOKEN, { chat_id: KUZNETSOV.chat }).find((message) => message.text.includes("отозван")), 10_000, "the revoked text"))!;
  expect(harness.api.emulator.sent(TOKEN, { chat_id: KUZNETSOV.chat }).map((message) => message.text)).toEqual([told.text]);
}, 30_000);

test("the list over HTTP, 403 for a client that is not an admin; revoking a revoked key changes nothing", async () => {
  h = await start();
  const listed = await jsonOf(await admin(h, "GET", "/keys?bot=main&status=active"));
  expect(listed.keys.map((row: { key: string }) => row.key).sort()).toEqual([PEOPLE.ivanov.key, PEOPLE.petrov.key, PEOPLE.sidorov.key, PEOPLE.opsroom.key, KUZNETSOV.key].sort());
  expect((await admin(h, "GET", "/keys", "erp-token-0123456789abcdef")).status).toBe(403);
  await admin(h, "POST", `/keys/${PEOPLE.sidorov.key}/revoke`);
  const again = await admin(h, "POST", `/keys/${PEOPLE.sidorov.key}/revoke`);
  expect({ status: again.status, revoked: (await jsonOf(again)).revoked }).toEqual({ status: 200, revoked: false });
  expect((await keyLog(h)).filter((record) => record.type === "revoked")).toHaveLength(1);
});

test("POST /reload applies an edit at once, says unchanged for none, and 422 with positions for a broken file", async () => {
  h = await start();
  const good = await readFile(h.configFile, "utf8");
  await writeFile(h.configFile, good.replace("  ops: [ivanov, petrov]", "  ops: [ivanov, petrov, sidorov]"));
  expect(await jsonOf(await admin(h, "POST", "/reload"))).toMatchObject({ reloaded: true, file: h.configFile });
  expect(h.gateway.store.current.groups.get("ops")!.users).toEqual(["ivanov", "petrov", "sidorov"]);
  expect(await jsonOf(await admin(h, "POST", "/reload"))).toMatchObject({ reloaded: false });
  await writeFile(h.configFile, good.replace("  petrov: 51928374", "  petrov: 5192837"));
  const broken = await admin(h, "POST", "/reload");
  expect(broken.status).toBe(422);
  const { error } = await jsonOf(broken);
  expect(error.issues).toHaveLength(1);
  expect(error.issues[0]).toMatchObject({ file: h.configFile, line: expect.any(Number), col: 11, message: expect.stringContaining("users.petrov") });
  expect(h.gateway.store.current.groups.get("ops")!.users).toEqual(["ivanov", "petrov", "sidorov"]);
  const health = await jsonOf(await fetch(h.url + "/healthz"));
  expect(health.status).toBe("degraded");
});
