// One file to many people: the bot uploads it once and sends Telegram's file_id to everyone
// else (lanes run concurrently; the others wait for the one upload). A file_id Telegram
// refuses later ("wrong file identifier") makes the next send upload again.
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { pdfBytes, pngBytes } from "../fakes/images.ts";
import { jsonOf, startNotifyHarness, TOKEN, type NotifyHarness } from "./notify-harness.ts";

const PEOPLE = Array.from({ length: 20 }, (_, i) => ({ name: `fan${i}`, key: String(91_000_000 + i), chat: 9100 + i }));

let h: NotifyHarness;
beforeAll(async () => {
  h = await startNotifyHarness({
    extraUsers: PEOPLE.map((p) => `  ${p.name}: ${p.key}`).join("\n"),
    keyLog: PEOPLE.map((p) => JSON.stringify({ type: "issued", key: p.key, bot: "main", chat_id: p.chat, chat_type: "private", username: null, name: p.name, at: "2026-11-25T09:00:00.000Z" }) + "\n").join(""),
  });
  for (const p of PEOPLE) h.api.emulator.addChat(TOKEN, { id: p.chat, type: "private", first_name: p.name });
});
afterAll(() => h.close());
beforeEach(() => h.api.emulator.clearSent());

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const uploads = () => h.api.emulator.stats().uploadsByBot.signal_bot ?? 0;
const reuses = () => h.api.emulator.stats().fileIdReusesByBot.signal_bot ?? 0;

test("a file to 20 people is uploaded exactly once; the other 19 get its file_id", async () => {
  const bytes = pdfBytes({ size: 256 * 1024, fill: 0x31 });
  const [u0, r0] = [uploads(), reuses()];
  const res = await h.post("/notify", { to: PEOPLE.map((p) => p.name), text: "Регламент", attachments: [{ name: "regl.pdf", data: base64(bytes) }], wait: 30 });
  expect(res.status).toBe(200);
  expect(uploads() - u0).toBe(1);
  expect(reuses() - r0).toBe(19);
  for (const p of PEOPLE) expect(h.api.emulator.receivedFiles(TOKEN, p.chat)).toMatchObject([{ name: "regl.pdf", sha256: sha256(bytes), caption: "Регламент" }]);
  expect(h.api.emulator.stats().tooManyRequests).toBe(0);
});

test("an album to 20 people: each file uploaded once", async () => {
  const files = [1, 2, 3].map((fill) => pdfBytes({ size: 4096, fill }));
  const before = uploads();
  const res = await h.post("/notify", { to: PEOPLE.map((p) => p.name), attachments: files.map((f, i) => ({ name: `part${i}.pdf`, data: base64(f) })), wait: 60 });
  expect(res.status).toBe(200);
  expect(uploads() - before).toBe(3);
  expect(h.api.emulator.receivedFiles(TOKEN, PEOPLE[7]!.chat).map((f) => f.sha256)).toEqual(files.map(sha256));
});

test("a later notification with the same file reuses the file_id; a refused file_id is uploaded again", async () => {
  const png = pngBytes(640, 480, { fill: 0x42 });
  const attachments = [{ name: "chart.png", data: base64(png) }];
  await h.post("/notify", { to: "fan0", attachments });
  const before = uploads();
  await h.post("/notify", { to: "fan1", attachments });
  expect(uploads()).toBe(before);
  h.api.emulator.invalidateFileIds(TOKEN);
  const res = await h.post("/notify", { to: "fan2", attachments });
  const body = await jsonOf(res);
  expect(body.recipients[0]).toMatchObject({ status: "delivered", files: [{ status: "delivered" }] });
  expect(uploads()).toBe(before + 1);
  expect(h.api.requests("sendPhoto").map((r) => r.status).slice(-2)).toEqual([400, 200]);
  expect(h.log.lines.some((line) => line.includes("Telegram refused a file_id; uploading the file again"))).toBe(true);
});
