// GET /events/{id}/files/{n} through the real Telegram port (GramIO) against a small local
// stand-in of the Bot API's getFile and /file/bot<token>/<path> (the emulator learns them
// in another branch): bytes streamed with the file's type, length and name; the same access
// as the event; 422 for Telegram's 20 MB limit; the bot token never in an answer.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { contentDisposition } from "../../src/http/event-files.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createGramioBot, createTelegramApi, type TelegramApi } from "../../src/telegram/api.ts";
import { BOT_TOKEN } from "../config/helpers.ts";
import { messageDraft } from "../events/event-fixtures.ts";
import { bodyOf, eventsHarness, OPS_READER, READER, SENDER, type EventsHarness } from "./events-fixtures.ts";
import { startFileStandIn, type FileStandIn } from "./events-stand-in.ts";

let standIn: FileStandIn;
let api: TelegramApi;
let h: EventsHarness;
let botEnabled: boolean;
beforeEach(async () => {
  standIn = await startFileStandIn(BOT_TOKEN);
  api = createTelegramApi(createGramioBot({ token: BOT_TOKEN, apiUrl: standIn.url }), { clock: systemClock, timeoutMs: 5000 });
  botEnabled = true;
  h = await eventsHarness({ botApi: (bot) => (bot === "main" && botEnabled ? api : undefined) });
});
afterEach(async () => {
  await h.close();
  await standIn.stop();
});

const PDF = new TextEncoder().encode("%PDF-1.7 счёт 1042\n".repeat(1000));

async function eventWithFiles(user = "ivanov", files = [{ name: "счёт 1042.pdf", mime: "application/pdf", size: PDF.length as number | null, fileId: "doc-1" }]) {
  return (await h.inbox.record(messageDraft(h.fx.clock, { user, files }))).stored.event;
}

describe("streaming", () => {
  test("the bytes come through with the file's type, length and (Cyrillic) name", async () => {
    standIn.files.set("doc-1", { bytes: PDF });
    const event = await eventWithFiles();
    const res = await h.get(event.files[0]!.url);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PDF);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-length")).toBe(String(PDF.length));
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="____ 1042.pdf"; filename*=UTF-8''%D1%81%D1%87%D1%91%D1%82%201042.pdf`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(standIn.requests).toEqual(["/bot<token>/getFile", "/file/bot<token>/documents/doc-1.bin"]);
  });

  test("HEAD gives the same headers without the bytes", async () => {
    standIn.files.set("doc-1", { bytes: PDF });
    const event = await eventWithFiles();
    const res = await h.router.handle(new Request(`http://localhost${event.files[0]!.url}`, { method: "HEAD", headers: { Authorization: `Bearer ${READER}` } }), { remoteAddr: "127.0.0.1" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(PDF.length));
    expect(res.body).toBeNull();
  });

  test("a photo's second file, by index; an odd MIME type is served as bytes", async () => {
    standIn.files.set("photo-1", { bytes: new Uint8Array([0xff, 0xd8, 0xff]) });
    const event = await eventWithFiles("ivanov", [
      { name: "a.txt", mime: "text/plain", size: 1, fileId: "other" },
      { name: "photo.jpg", mime: "image/jpeg\r\nX-Evil: 1", size: 3, fileId: "photo-1" },
    ]);
    const res = await h.get(`/events/${event.id}/files/1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("x-evil")).toBeNull();
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([0xff, 0xd8, 0xff]));
  });
});

describe("access", () => {
  test("a client without receive gets 403 and Telegram is not asked", async () => {
    const event = await eventWithFiles();
    const res = await h.get(event.files[0]!.url, SENDER);
    expect(res.status).toBe(403);
    expect((await bodyOf(res)).error.code).toBe("forbidden_events");
    expect(standIn.requests).toEqual([]);
  });

  test("an event outside the client's allow looks exactly like one that does not exist", async () => {
    const foreign = await eventWithFiles("petrov");
    const denied = await bodyOf(await h.get(`/events/${foreign.id}/files/0`, OPS_READER));
    const missing = await bodyOf(await h.get(`/events/999/files/0`, OPS_READER));
    expect(denied.error.code).toBe("not_found");
    expect(denied.error.message.replace(`"${foreign.id}"`, '"999"')).toBe(missing.error.message);
    expect(standIn.requests).toEqual([]);
  });

  test("n out of range or not a number is 404", async () => {
    const event = await eventWithFiles();
    for (const n of ["1", "-1", "abc", "1e0", "99999"]) {
      const res = await h.get(`/events/${event.id}/files/${n}`);
      expect({ n, status: res.status }).toEqual({ n, status: 404 });
      expect((await bodyOf(res)).error.message).toContain("has 1 file(s), numbered from 0");
    }
    expect(standIn.requests).toEqual([]);
  });
});

describe("Telegram's refusals", () => {
  test("a file over 20 MB by its metadata is 422 file_too_big without asking Telegram", async () => {
    const event = await eventWithFiles("ivanov", [{ name: "big.zip", mime: "application/zip", size: 25 * 1024 * 1024, fileId: "big" }]);
    const res = await h.get(event.files[0]!.url);
    expect(res.status).toBe(422);
    expect(await bodyOf(res)).toEqual({
      error: { code: "file_too_big", message: "the file is 25.0 MB, over the 20.0 MB Telegram lets bots download; the person must send it another way (a link, a smaller file)" },
    });
    expect(standIn.requests).toEqual([]);
  });

  test('Telegram\'s "file is too big" (size unknown beforehand) is 422 file_too_big', async () => {
    standIn.files.set("big", { error: "Bad Request: file is too big" });
    const event = await eventWithFiles("ivanov", [{ name: "big.zip", mime: "application/zip", size: null, fileId: "big" }]);
    const res = await h.get(event.files[0]!.url);
    expect(res.status).toBe(422);
    expect((await bodyOf(res)).error.code).toBe("file_too_big");
  });

  test("other refusals are 502 file_unavailable with Telegram's reason, never the token", async () => {
    const event = await eventWithFiles("ivanov", [{ name: "gone.pdf", mime: "application/pdf", size: 10, fileId: "unknown" }]);
    const res = await h.get(event.files[0]!.url);
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(JSON.parse(text).error).toEqual({ code: "file_unavailable", message: "Telegram refused the file: 400 Bad Request: invalid file_id" });
    expect(text).not.toContain(BOT_TOKEN.split(":")[1]!);
  });

  test("the file server's 404 is 502 and names no URL with the token", async () => {
    // getFile knows it, the file server does not (a path that no longer exists).
    standIn.files.set("vanishing", { bytes: new Uint8Array(1) });
    const event = await eventWithFiles("ivanov", [{ name: "v.bin", mime: "application/octet-stream", size: 1, fileId: "vanishing" }]);
    const original = api.downloadFile;
    api.downloadFile = (_path, options) => original("documents/missing.bin", options);
    const res = await h.get(event.files[0]!.url);
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(JSON.parse(text).error.message).toContain("Telegram refused the file: 404");
    expect(text).not.toContain(BOT_TOKEN.split(":")[1]!);
  });

  test("an unreachable Telegram is 502; a disabled bot is 502 saying to enable it", async () => {
    const event = await eventWithFiles();
    await standIn.stop();
    const unreachable = await h.get(event.files[0]!.url);
    expect(unreachable.status).toBe(502);
    expect((await bodyOf(unreachable)).error.message).toContain("Telegram could not be reached for the file");
    botEnabled = false;
    const disabled = await bodyOf(await h.get(event.files[0]!.url));
    expect(disabled.error).toEqual({ code: "file_unavailable", message: 'the event came through bot "main", which is disabled or no longer in the config; enable it to download its files' });
  });
});

describe("Content-Disposition", () => {
  test("RFC 6266/5987: an ASCII fallback and the UTF-8 name; no quote, backslash or line break gets through", () => {
    expect(contentDisposition("report.pdf")).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    expect(contentDisposition('a"b\\c\r\nd.txt')).toBe(`attachment; filename="a_b_cd.txt"; filename*=UTF-8''a%22b%5Ccd.txt`);
    expect(contentDisposition("it's (1).txt")).toBe(`attachment; filename="it's (1).txt"; filename*=UTF-8''it%27s%20%281%29.txt`);
    expect(contentDisposition("\r\n")).toBe(`attachment; filename="file"; filename*=UTF-8''file`);
    expect(contentDisposition("\ud800x")).toBe(`attachment; filename="_x"; filename*=UTF-8''%EF%BF%BDx`);
  });
});
