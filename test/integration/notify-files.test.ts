// Files in notifications through the real HTTP server and the fake Bot API: the three ways
// in (multipart, JSON base64 attachments, a raw body with Filename), how they go (caption,
// text first when it is too long, albums, photos and their fallback to documents, buttons),
// the status per file, Idempotency-Key replays, and data_dir/files holding a file only while
// a notification needs it.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { jpegBytes, pdfBytes, pngBytes } from "../fakes/images.ts";
import { ERP_TOKEN, jsonOf, PEOPLE, startNotifyHarness, TOKEN, type NotifyHarness } from "./notify-harness.ts";
import { parseAnswer, sendUntilAnswered } from "../http/raw-http.ts";
import { eventually } from "./serve-process.ts";

let h: NotifyHarness;
beforeAll(async () => {
  h = await startNotifyHarness({ extraConfig: "upload_limit: 12MiB" });
});
afterAll(() => h.close());
beforeEach(async () => {
  h.api.emulator.clearSent();
  // Files of earlier tests go once their notifications are done (after the record is on disk).
  await eventually(async () => (await storedNames()).length === 0, 5000, "data_dir/files to be empty");
});

const auth = { Authorization: `Bearer ${ERP_TOKEN}` };
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const blob = (bytes: Uint8Array, type = "") => new Blob([bytes as Uint8Array<ArrayBuffer>], { type });
const storedNames = async () => (await readdir(join(h.dir, "data", "files")).catch(() => [] as string[])).sort();
const received = (chat: number) => h.api.emulator.receivedFiles(TOKEN, chat);

function form(fields: Record<string, string>, files: Array<[string, Uint8Array, string, string?]>): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  for (const [field, bytes, filename, type] of files) body.append(field, blob(bytes, type), filename);
  return body;
}

describe("three ways in", () => {
  test("multipart: every part with a filename is a file, whatever its field name; the text is the caption", async () => {
    const pdf = pdfBytes({ size: 3000 });
    const res = await fetch(`${h.url}/notify`, { method: "POST", headers: auth, body: form({ to: "sidorov", text: "Счёт 1042 на согласование" }, [["invoice", pdf, "Счёт 1042.pdf", "application/pdf"]]) });
    expect(res.status).toBe(200);
    const body = await jsonOf(res);
    expect(body.files).toEqual([{ name: "Счёт 1042.pdf", mime: "application/pdf", size: 3000, sha256: sha256(pdf), as: "document" }]);
    expect(body.recipients[0]).toMatchObject({ status: "delivered", files: [{ name: "Счёт 1042.pdf", status: "delivered" }] });
    expect(received(PEOPLE.sidorov.chat)).toMatchObject([{ kind: "document", name: "Счёт 1042.pdf", sha256: sha256(pdf), caption: "Счёт 1042 на согласование" }]);
    expect(body.recipients[0].files[0].message_id).toBe(received(PEOPLE.sidorov.chat)[0]!.message_id);
  });

  test("JSON attachments in base64 (line breaks as 1C writes them); a PNG goes as a photo", async () => {
    const png = pngBytes(1280, 960);
    const data = base64(png).replace(/(.{76})/g, "$1\r\n");
    const res = await h.post("/notify", { to: "sidorov", text: "График нагрузки", attachments: [{ name: "load.png", data }] });
    expect(res.status).toBe(200);
    expect((await jsonOf(res)).files).toMatchObject([{ name: "load.png", mime: "image/png", as: "photo" }]);
    expect(received(PEOPLE.sidorov.chat)).toMatchObject([{ kind: "photo", sha256: sha256(png), caption: "График нагрузки" }]);
  });

  test("a raw body with Filename to PUT /notify/{to}; the text from a Message header in UTF-8, or ?message=", async () => {
    const pdf = pdfBytes({ size: 2048, fill: 1 });
    const headers = { ...auth, Filename: Buffer.from("Акт сверки.pdf").toString("latin1"), Message: Buffer.from("Акт за ноябрь").toString("latin1") };
    const put = await fetch(`${h.url}/notify/sidorov`, { method: "PUT", headers, body: blob(pdf) });
    expect(put.status).toBe(200);
    const post = await fetch(`${h.url}/notify/sidorov?message=${encodeURIComponent("второй")}&title=ERP`, { method: "POST", headers: { ...auth, Filename: "report.pdf" }, body: blob(pdf) });
    expect(post.status).toBe(200);
    expect(received(PEOPLE.sidorov.chat)).toMatchObject([
      { name: "Акт сверки.pdf", caption: "Акт за ноябрь", uploaded: true },
      // The same bytes under another name: a document sent by file_id would keep the first name.
      { name: "report.pdf", caption: "ERP\nвторой", uploaded: true },
    ]);
  });

  test("?filename= and ?message= instead of headers (URL-encoded, as 1C's КодироватьСтроку writes them)", async () => {
    const name = encodeURIComponent("Акт №5.pdf");
    const res = await fetch(`${h.url}/notify/sidorov?filename=${name}&message=${encodeURIComponent("Акт за май")}`, { method: "PUT", headers: auth, body: blob(pdfBytes({ fill: 5 })) });
    expect(res.status).toBe(200);
    expect(received(PEOPLE.sidorov.chat)).toMatchObject([{ name: "Акт №5.pdf", caption: "Акт за май" }]);
    const twice = await fetch(`${h.url}/notify/sidorov?filename=a.pdf`, { method: "PUT", headers: { ...auth, Filename: "b.pdf" }, body: blob(pdfBytes()) });
    expect((await jsonOf(twice)).error.code).toBe("duplicate_field");
  });

  test("a file alone: no text is needed", async () => {
    const res = await fetch(`${h.url}/notify/sidorov`, { method: "PUT", headers: { ...auth, Filename: "log.txt" }, body: "line 1\nline 2\n" });
    expect(res.status).toBe(200);
    expect(received(PEOPLE.sidorov.chat)).toMatchObject([{ kind: "document", name: "log.txt", mime_type: "text/plain", caption: "" }]);
  });
});

describe("how files go", () => {
  test("a text over the 1024-character caption goes first as its own message(s), then the file without caption", async () => {
    const text = "Отчёт. ".repeat(300); // 2100 characters
    const res = await h.post("/notify", { to: "sidorov", text, attachments: [{ name: "r.pdf", data: base64(pdfBytes()) }] });
    const body = await jsonOf(res);
    expect(body.parts).toBe(2);
    const sent = h.api.emulator.sent(TOKEN, { chat_id: PEOPLE.sidorov.chat });
    expect(sent.map((m) => [m.file?.kind ?? "text", m.plain_text.length])).toEqual([["text", text.length], ["document", 0]]);
    expect(body.recipients[0].message_ids).toEqual(sent.map((m) => m.message_id));
  });

  test("2–10 files are one album; photos among documents go as documents", async () => {
    const attachments = [
      { name: "a.pdf", data: base64(pdfBytes({ fill: 1 })) },
      { name: "b.png", data: base64(pngBytes(800, 600)) },
      { name: "c.pdf", data: base64(pdfBytes({ fill: 2 })) },
    ];
    const res = await h.post("/notify", { to: "sidorov", text: "Три файла", attachments });
    expect(res.status).toBe(200);
    const files = received(PEOPLE.sidorov.chat);
    expect(files.map((f) => [f.name ?? "photo", f.kind])).toEqual([["a.pdf", "document"], ["b.png", "document"], ["c.pdf", "document"]]);
    expect(new Set(files.map((f) => f.media_group_id)).size).toBe(1);
    expect(files.map((f) => f.caption)).toEqual(["Три файла", "", ""]);
    expect((await jsonOf(res)).files.map((f: { as: string }) => f.as)).toEqual(["document", "document", "document"]);
  });

  test("photos only: a photo album", async () => {
    const attachments = [1, 2].map((i) => ({ name: `p${i}.jpg`, data: base64(jpegBytes(1000 + i, 800)) }));
    expect((await h.post("/notify", { to: "sidorov", attachments })).status).toBe(200);
    expect(received(PEOPLE.sidorov.chat).map((f) => f.kind)).toEqual(["photo", "photo"]);
  });

  test("with buttons: one file carries them; an album goes first and the text follows with them", async () => {
    const buttons = [{ text: "Согласовать", data: "approve:1042" }];
    await h.post("/notify", { to: "sidorov", text: "Счёт", buttons, attachments: [{ name: "a.pdf", data: base64(pdfBytes()) }] });
    const single = h.api.emulator.sent(TOKEN, { chat_id: PEOPLE.sidorov.chat });
    expect(single.map((m) => [m.file?.kind ?? "text", m.reply_markup?.inline_keyboard[0]![0]!.text])).toEqual([["document", "Согласовать"]]);
    h.api.emulator.clearSent();
    const attachments = [1, 2].map((fill) => ({ name: `${fill}.pdf`, data: base64(pdfBytes({ fill })) }));
    const res = await h.post("/notify", { to: "sidorov", text: "Счета", buttons, attachments });
    expect(res.status).toBe(200);
    const album = h.api.emulator.sent(TOKEN, { chat_id: PEOPLE.sidorov.chat });
    expect(album.map((m) => [m.file?.kind ?? "text", m.plain_text, m.reply_markup === undefined])).toEqual([
      ["document", "", true],
      ["document", "", true],
      ["text", "Счета", false],
    ]);
    const refused = await h.post("/notify", { to: "sidorov", buttons, attachments });
    expect(refused.status).toBe(400);
    expect((await jsonOf(refused)).error.code).toBe("bad_buttons");
  });

  test("an image Telegram would not take as a photo (over 10 MB, or 30:1) goes as a document; so does as=document", async () => {
    const big = pngBytes(2000, 1500, { size: 10 * 1024 * 1024 + 100 });
    const res = await fetch(`${h.url}/notify/sidorov`, { method: "PUT", headers: { ...auth, Filename: "scan.png" }, body: blob(big) });
    expect((await jsonOf(res)).files[0]).toMatchObject({ as: "document", mime: "image/png" });
    await h.post("/notify", { to: "sidorov", attachments: [{ name: "banner.png", data: base64(pngBytes(3000, 100)) }] });
    await h.post("/notify", { to: "sidorov", as: "document", attachments: [{ name: "photo.jpg", data: base64(jpegBytes(800, 600)) }] });
    expect(received(PEOPLE.sidorov.chat).map((f) => [f.name, f.kind])).toEqual([["scan.png", "document"], ["banner.png", "document"], ["photo.jpg", "document"]]);
  });

  test("a photo Telegram refuses all the same is sent again as a document, with a warning", async () => {
    h.api.emulator.failNext(TOKEN, "sendPhoto", { error_code: 400, description: "Bad Request: IMAGE_PROCESS_FAILED" });
    const res = await h.post("/notify", { to: "sidorov", attachments: [{ name: "odd.jpg", data: base64(jpegBytes(640, 480)) }] });
    const body = await jsonOf(res);
    expect(body.recipients[0]).toMatchObject({ status: "delivered", warning: expect.stringContaining("sent as a document") });
    expect(received(PEOPLE.sidorov.chat).map((f) => f.kind)).toEqual(["document"]);
  });

  test("file names: paths, control and bidi characters and quotes are cleaned; Cyrillic stays", async () => {
    const name = '..\\..\\etc/Пароли "май"\u202egpj.exe';
    await h.post("/notify", { to: "sidorov", attachments: [{ name, data: base64(pdfBytes()) }] });
    expect(received(PEOPLE.sidorov.chat)[0]!.name).toBe("Пароли 'май'gpj.exe");
    expect((await storedNames()).every((stored) => /^[0-9a-f]{64}$/.test(stored))).toBe(true);
  });
});

describe("status and retries", () => {
  test("GET /messages/{id} shows each file's outcome per recipient; a failed recipient's files failed", async () => {
    const res = await h.post("/notify", { to: ["sidorov", "petrov"], wait: 0, attachments: [{ name: "a.pdf", data: base64(pdfBytes()) }] });
    const { id } = await jsonOf(res);
    const status = await jsonOf(await fetch(`${h.url}/messages/${id}?wait=5`, { headers: auth }));
    expect(status.recipients.map((r: { files: unknown }) => r.files)).toEqual([
      [{ name: "a.pdf", status: "delivered", message_id: expect.any(Number) }],
      [{ name: "a.pdf", status: "delivered", message_id: expect.any(Number) }],
    ]);
    h.api.emulator.userBlocksBot(TOKEN, PEOPLE.petrov.chat);
    const blocked = await jsonOf(await h.post("/notify", { to: "petrov", attachments: [{ name: "b.pdf", data: base64(pdfBytes({ fill: 3 })) }] }));
    expect(blocked.recipients[0]).toMatchObject({ status: "failed", files: [{ name: "b.pdf", status: "failed" }] });
  });

  test("the same Idempotency-Key with the same files is a replay: no second notification, no second upload", async () => {
    const attachments = [{ name: "a.pdf", data: base64(pdfBytes({ fill: 9 })) }];
    const headers = { "Idempotency-Key": `files-${Date.now()}` };
    const first = await h.post("/notify", { to: "sidorov", attachments }, { headers });
    const before = h.api.emulator.stats().uploadsByBot.signal_bot ?? 0;
    const again = await h.post("/notify", { to: "sidorov", attachments }, { headers });
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await jsonOf(again)).id).toBe((await jsonOf(first)).id);
    expect(h.api.emulator.stats().uploadsByBot.signal_bot ?? 0).toBe(before);
    expect(received(PEOPLE.sidorov.chat)).toHaveLength(1);
    const other = await h.post("/notify", { to: "sidorov", attachments: [{ name: "a.pdf", data: base64(pdfBytes({ fill: 8 })) }] }, { headers });
    expect(other.status).toBe(422);
  });
});

describe("bad files: a clear 4xx, nothing queued, nothing left in data_dir/files", () => {
  async function expectRefused(res: Response, status: number, code: string, message?: string): Promise<void> {
    const before = (await h.outboxLines()).length;
    const body = await jsonOf(res);
    expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
    if (message) expect(body.error.message).toContain(message);
    expect((await h.outboxLines()).length).toBe(before);
    expect(h.api.emulator.sent()).toHaveLength(0);
    await eventually(async () => (await storedNames()).length === 0, 5000, "refused files to be removed");
  }

  test("bad base64, an empty file, more than 10 files, not a list", async () => {
    const good = base64(pdfBytes());
    await expectRefused(await h.post("/notify", { to: "sidorov", attachments: [{ name: "a.pdf", data: good }, { name: "b.pdf", data: "not*base64" }] }), 400, "bad_attachments", "attachments[1].data is not base64");
    await expectRefused(await h.post("/notify", { to: "sidorov", attachments: [{ name: "a.pdf", data: "" }] }), 400, "bad_attachments", "empty");
    const eleven = Array.from({ length: 11 }, (_, i) => ({ name: `${i}.pdf`, data: good }));
    await expectRefused(await h.post("/notify", { to: "sidorov", attachments: eleven }), 400, "bad_attachments");
    await expectRefused(await h.post("/notify", { to: "sidorov", attachments: "a.pdf" }), 400, "bad_attachments");
    const files = Array.from({ length: 11 }, (_, i): [string, Uint8Array, string] => [`f${i}`, pdfBytes({ fill: i }), `${i}.pdf`]);
    await expectRefused(await fetch(`${h.url}/notify`, { method: "POST", headers: auth, body: form({ to: "sidorov" }, files) }), 400, "bad_attachments", "at most 10 files");
    await expectRefused(await fetch(`${h.url}/notify`, { method: "POST", headers: auth, body: form({ to: "sidorov" }, [["f", new Uint8Array(0), "empty.txt"]]) }), 400, "bad_attachments", "empty");
    await expectRefused(await fetch(`${h.url}/notify/sidorov`, { method: "PUT", headers: { ...auth, Filename: "x.pdf" } }), 400, "bad_attachments", "empty");
  });

  test("a file over upload_limit is 413 upload_too_large, each way in", async () => {
    const big = new Uint8Array(12 * 1024 * 1024 + 1).fill(7);
    await expectRefused(await fetch(`${h.url}/notify/sidorov`, { method: "PUT", headers: { ...auth, Filename: "big.bin" }, body: blob(big) }), 413, "upload_too_large");
    await expectRefused(await fetch(`${h.url}/notify`, { method: "POST", headers: auth, body: form({ to: "sidorov" }, [["f", big, "big.bin"]]) }), 413, "upload_too_large");
  });

  test("a bad field after the files (unknown recipient, unknown field) removes the stored files", async () => {
    const files: Array<[string, Uint8Array, string]> = [["f", pdfBytes({ fill: 4 }), "a.pdf"]];
    await expectRefused(await fetch(`${h.url}/notify`, { method: "POST", headers: auth, body: form({ to: "nobody" }, files) }), 400, "unknown_recipient");
    await expectRefused(await fetch(`${h.url}/notify`, { method: "POST", headers: auth, body: form({ to: "sidorov", colour: "red" }, files) }), 400, "unknown_field");
    await expectRefused(await fetch(`${h.url}/notify/sidorov?colour=red`, { method: "PUT", headers: { ...auth, Filename: "a.pdf" }, body: blob(pdfBytes()) }), 400, "unknown_field");
    // A raw file body's fields are all known before the body: a bad one is refused before the upload.
    const big = new Uint8Array(4 * 1024 * 1024);
    const { answer, sent } = await sendUntilAnswered(Number(new URL(h.url).port), `PUT /notify/sidorov?format=rtf HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ERP_TOKEN}\r\nFilename: a.pdf\r\nContent-Length: ${64 * big.length}\r\n\r\n`, 64 * big.length, false);
    expect({ status: parseAnswer(answer).status, early: sent < 32 * big.length }).toEqual({ status: 400, early: true });
    await expectRefused(await fetch(`${h.url}/notify`, { method: "POST", headers: { ...auth, Filename: "a.pdf" }, body: blob(pdfBytes()) }), 400, "bad_field", "/notify/{to}");
  });
});

describe("413 before the body is read to the end", () => {
  const port = () => Number(new URL(h.url).port);
  const TOTAL = 64 * 1024 * 1024;

  test("a declared Content-Length over upload_limit: refused at once, nothing read", async () => {
    const head = `PUT /notify/sidorov HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ERP_TOKEN}\r\nFilename: big.bin\r\nContent-Length: ${TOTAL}\r\n\r\n`;
    const { answer, sent } = await sendUntilAnswered(port(), head, TOTAL, false);
    const { status, body } = parseAnswer(answer);
    expect({ status, code: (body as { error: { code: string } }).error.code }).toEqual({ status: 413, code: "upload_too_large" });
    expect(sent).toBeLessThan(TOTAL / 2);
  });

  test("a chunked multipart body: refused as soon as its files pass upload_limit (12 MiB of 64)", async () => {
    const boundary = "tgsignal-413-boundary";
    const partHead = `--${boundary}\r\nContent-Disposition: form-data; name="to"\r\n\r\nsidorov\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n`;
    const head =
      `POST /notify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ERP_TOKEN}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
      `Transfer-Encoding: chunked\r\n\r\n${(partHead.length).toString(16)}\r\n${partHead}\r\n`;
    const { answer, sent } = await sendUntilAnswered(port(), head, TOTAL, true);
    const { status, body } = parseAnswer(answer.replace(/\r\n[0-9a-f]+\r\n/, "\r\n"));
    expect({ status, code: (body as { error: { code: string } }).error.code }).toEqual({ status: 413, code: "upload_too_large" });
    expect(sent).toBeLessThan(TOTAL / 2);
    expect(h.api.emulator.sent()).toHaveLength(0);
    await eventually(async () => (await storedNames()).length === 0, 5000, "the cut-off upload's temp file to be removed");
  });
});

describe("edit and delete", () => {
  const patch = (id: string, body: unknown) => fetch(`${h.url}/messages/${id}`, { method: "PATCH", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify(body) });

  test("a file's buttons can be edited, its caption cannot (409 not_editable)", async () => {
    const res = await h.post("/notify", { to: "sidorov", text: "Счёт", buttons: [{ text: "OK", data: "ok" }], attachments: [{ name: "a.pdf", data: base64(pdfBytes()) }] });
    const { id, recipients } = await jsonOf(res);
    const refused = await patch(id, { text: "✅ Согласовано" });
    expect({ status: refused.status, code: (await jsonOf(refused)).error.code }).toEqual({ status: 409, code: "not_editable" });
    const edited = await patch(id, { buttons: [{ text: "Открыть", url: "https://erp.local/1042" }] });
    expect(edited.status).toBe(200);
    expect(h.api.emulator.keyboard(TOKEN, PEOPLE.sidorov.chat, recipients[0].message_ids[0])).toEqual([[{ text: "Открыть", url: "https://erp.local/1042" }]]);
  });

  test("DELETE removes every message of an album", async () => {
    const attachments = [1, 2, 3].map((fill) => ({ name: `${fill}.pdf`, data: base64(pdfBytes({ fill })) }));
    const { id, recipients } = await jsonOf(await h.post("/notify", { to: "sidorov", text: "Три", attachments }));
    expect(recipients[0].message_ids).toHaveLength(3);
    const res = await fetch(`${h.url}/messages/${id}`, { method: "DELETE", headers: auth });
    expect(res.status).toBe(200);
    expect(recipients[0].message_ids.map((mid: number) => h.api.emulator.message(TOKEN, PEOPLE.sidorov.chat, mid)?.deleted)).toEqual([true, true, true]);
  });
});
