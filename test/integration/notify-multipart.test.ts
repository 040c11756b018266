// POST /notify with multipart/form-data (curl -F), and the per-notification part cap
// (MAX_PARTS): a too-long text is refused before anything is queued or sent.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { MAX_FORM_PARTS } from "../../src/http/multipart.ts";
import { MAX_PARTS } from "../../src/delivery/notifier.ts";
import { TELEGRAM_TEXT_LIMIT } from "../../src/delivery/split.ts";
import { ERP_TOKEN, jsonOf, PEOPLE, startNotifyHarness, TOKEN, type NotifyHarness } from "./notify-harness.ts";

let h: NotifyHarness;
beforeAll(async () => {
  h = await startNotifyHarness();
});
afterAll(() => h.close());
beforeEach(() => h.api.emulator.clearSent());

const auth = { Authorization: `Bearer ${ERP_TOKEN}` };

async function expectRejected(res: Response, before: number, status: number, code: string): Promise<string> {
  const body = (await jsonOf(res)) as { error: { code: string; message: string } };
  expect({ status: res.status, code: body.error.code }).toEqual({ status, code });
  expect(h.api.emulator.sent()).toHaveLength(0);
  expect(await h.outboxLines()).toHaveLength(before);
  return body.error.message;
}

/** A multipart/form-data body as curl -F sends it, streamed without Content-Length. */
function streamedMultipart(fields: Record<string, string>): { body: ReadableStream<Uint8Array>; type: string } {
  const boundary = "------------------------tgsignal0123456789";
  const text =
    Object.entries(fields)
      .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
      .join("") + `--${boundary}--\r\n`;
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, (offset += 64 * 1024)));
    },
  });
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

describe("multipart/form-data", () => {
  test("to, text and title as form parts are delivered", async () => {
    const form = new FormData();
    form.set("to", "sidorov");
    form.set("text", "backup finished: 42 GB");
    form.set("title", "nightly");
    const res = await fetch(h.url + "/notify", { method: "POST", headers: auth, body: form });
    expect(res.status).toBe(200);
    expect((await jsonOf(res)).recipients).toMatchObject([{ user: "sidorov", status: "delivered" }]);
    expect(h.api.emulator.sent(TOKEN).map((m) => [m.chat_id, m.plain_text])).toEqual([[PEOPLE.sidorov.chat, "nightly\nbackup finished: 42 GB"]]);
  });

  test("a streamed multipart body (no Content-Length) is delivered too", async () => {
    const { body, type } = streamedMultipart({ to: "petrov", text: "streamed" });
    const res = await fetch(h.url + "/notify", { method: "POST", headers: { ...auth, "Content-Type": type }, body });
    expect(res.status).toBe(200);
    expect(h.api.emulator.sent(TOKEN).map((m) => m.plain_text)).toEqual(["streamed"]);
  });

  test("a multipart body over body_limit is 413 and nothing is sent or queued", async () => {
    const before = (await h.outboxLines()).length;
    const form = new FormData();
    form.set("to", "sidorov");
    form.set("text", "x".repeat(1024 * 1024 + 1));
    await expectRejected(await fetch(h.url + "/notify", { method: "POST", headers: auth, body: form }), before, 413, "body_too_large");

    const { body, type } = streamedMultipart({ to: "sidorov", text: "y".repeat(2 * 1024 * 1024) });
    await expectRejected(await fetch(h.url + "/notify", { method: "POST", headers: { ...auth, "Content-Type": type }, body }), before, 413, "body_too_large");
  });

  test("a part with a filename is a file, even one named text (files: notify-files.test.ts)", async () => {
    const form = new FormData();
    form.set("to", "sidorov");
    form.set("text", new Blob(["from a file"]), "report.txt");
    const res = await fetch(h.url + "/notify", { method: "POST", headers: auth, body: form });
    expect(res.status).toBe(200);
    expect(h.api.emulator.receivedFiles(TOKEN, PEOPLE.sidorov.chat)).toMatchObject([{ kind: "document", name: "report.txt", caption: "" }]);
  });
});

test(`a form of more than ${MAX_FORM_PARTS} parts is 400 bad_body; the file stored before it is removed, nothing queued`, async () => {
  const before = (await h.outboxLines()).length;
  const boundary = "b0123456789";
  const file = `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nbytes of a file\r\n`;
  const fields = `--${boundary}\r\nContent-Disposition: form-data; name="to"\r\n\r\nivanov\r\n`.repeat(MAX_FORM_PARTS);
  const res = await fetch(h.url + "/notify", { method: "POST", headers: { ...auth, "Content-Type": `multipart/form-data; boundary=${boundary}` }, body: `${file}${fields}--${boundary}--\r\n` });
  expect(await expectRejected(res, before, 400, "bad_body")).toContain(`more than ${MAX_FORM_PARTS} parts`);
  // Neither committed (named by its hash) nor half-written (.upload-*.tmp).
  expect(await readdir(join(h.dir, "data", "files")).catch(() => [] as string[])).toEqual([]);
});

describe("part cap", () => {
  test(`a text needing more than ${MAX_PARTS} messages is 413 text_too_long naming the limit; nothing queued`, async () => {
    const before = (await h.outboxLines()).length;
    const text = "x".repeat(MAX_PARTS * TELEGRAM_TEXT_LIMIT + 1);
    const message = await expectRejected(await h.post("/notify", { to: ["ivanov", "ops"], text }), before, 413, "text_too_long");
    expect(message).toContain(`limit is ${MAX_PARTS} messages`);
    expect(message).toContain(`more than ${MAX_PARTS} messages`);

    const form = new FormData();
    form.set("to", "sidorov");
    form.set("text", text);
    await expectRejected(await fetch(h.url + "/notify", { method: "POST", headers: auth, body: form }), before, 413, "text_too_long");
  });

  test(`exactly ${MAX_PARTS} messages is accepted`, async () => {
    const before = (await h.outboxLines()).length;
    const text = "x".repeat(MAX_PARTS * TELEGRAM_TEXT_LIMIT);
    const res = await h.post("/notify", { to: "sidorov", text, wait: 0 });
    expect(res.status).toBe(202);
    expect((await jsonOf(res)).parts).toBe(MAX_PARTS);
    expect((await h.outboxLines()).length).toBeGreaterThan(before);
  });
});
