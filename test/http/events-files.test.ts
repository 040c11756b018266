// GET /events/{id}/files/{n} on a Router over a real inbox, through the real Telegram port
// (GramIO) against the fake Bot API (the emulator's getFile and /file/bot<token>/<path>).
// The files are ones a person sent the bot in the emulator, read from the update as the
// conversation reads them and recorded in the inbox with their file ids. Bytes streamed
// with the file's type, length and name; the same access as the event; 422 for Telegram's
// 20 MB limit; 502 for Telegram's refusals; the bot token never in an answer.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { MAX_DOWNLOAD_BYTES } from "../../src/emulator/files.ts";
import type { TelegramUpdate } from "../../src/emulator/types.ts";
import { contentDisposition } from "../../src/http/event-files.ts";
import { readContent, type DraftFile } from "../../src/inbound/message-content.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createGramioBot, createTelegramApi, type TelegramApi, type TelegramMessage } from "../../src/telegram/api.ts";
import { startFakeBotApi, type FakeBotApi } from "../fakes/fake-bot-api.ts";
import { BOT_TOKEN } from "../config/helpers.ts";
import { messageDraft } from "../events/event-fixtures.ts";
import { bodyOf, eventsHarness, OPS_READER, READER, SENDER, type EventsHarness } from "./events-fixtures.ts";

const BOT = { token: BOT_TOKEN, id: 123456789, username: "signal_bot", first_name: "Signal" };
const OTHER_BOT = { token: "987654321:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", id: 987654321, username: "other_bot", first_name: "Other" };
const IVAN = { id: 5001, first_name: "Ivan", username: "ivan" };
const TOKEN_SECRET = BOT_TOKEN.split(":")[1]!;

let fake: FakeBotApi;
let fakeOpen: boolean;
let api: TelegramApi;
let h: EventsHarness;
let botEnabled: boolean;
beforeEach(async () => {
  fake = await startFakeBotApi({ bots: [BOT, OTHER_BOT] });
  fakeOpen = true;
  api = createTelegramApi(createGramioBot({ token: BOT_TOKEN, apiUrl: fake.url }), { clock: systemClock, timeoutMs: 5000 });
  botEnabled = true;
  h = await eventsHarness({ botApi: (bot) => (bot === "main" && botEnabled ? api : undefined) });
});
afterEach(async () => {
  await h.close();
  if (fakeOpen) await fake.close();
});

const PDF = new TextEncoder().encode("%PDF-1.7 счёт 1042\n".repeat(1000));

/** The files of what Ivan sent, as the conversation reads them from the update. */
function filesOf(update: TelegramUpdate): DraftFile[] {
  // The JSON GramIO hands the conversation; the emulator types entity kinds as plain strings.
  const message = update.message as unknown as TelegramMessage;
  return readContent(message, { id: BOT.id, username: BOT.username })!.files;
}

function sendsDocument(bytes: Uint8Array, file_name: string, token = BOT_TOKEN): DraftFile {
  return filesOf(fake.emulator.userSendsDocument({ token, from: IVAN, bytes, file_name }))[0]!;
}

async function eventWithFiles(files: DraftFile[], user = "ivanov") {
  return (await h.inbox.record(messageDraft(h.fx.clock, { user, files }))).stored.event;
}

/** What the gateway asked the fake Bot API, with its answers. */
const telegramAsked = () => fake.requests().map((r) => [r.method, r.status]);

describe("streaming", () => {
  test("the bytes come through with the file's type, length and (Cyrillic) name", async () => {
    const event = await eventWithFiles([sendsDocument(PDF, "счёт 1042.pdf")]);
    expect(event.files).toEqual([{ name: "счёт 1042.pdf", mime: "application/pdf", size: PDF.length, url: `/events/${event.id}/files/0` }]);
    const res = await h.get(event.files[0]!.url);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PDF);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-length")).toBe(String(PDF.length));
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="____ 1042.pdf"; filename*=UTF-8''%D1%81%D1%87%D1%91%D1%82%201042.pdf`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(telegramAsked()).toEqual([["getFile", 200], ["downloadFile", 200]]);
  });

  test("HEAD gives the same headers without the bytes", async () => {
    const event = await eventWithFiles([sendsDocument(PDF, "счёт 1042.pdf")]);
    const res = await h.router.handle(new Request(`http://localhost${event.files[0]!.url}`, { method: "HEAD", headers: { Authorization: `Bearer ${READER}` } }), { remoteAddr: "127.0.0.1" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(PDF.length));
    expect(res.body).toBeNull();
  });

  test("a photo's largest size, as the second file by index; an odd MIME type is served as bytes", async () => {
    const jpeg = new Uint8Array(3000).map((_, i) => (i < 3 ? [0xff, 0xd8, 0xff][i]! : i % 251));
    const [photo] = filesOf(fake.emulator.userSendsPhoto({ token: BOT_TOKEN, from: IVAN, bytes: jpeg, width: 400, height: 300 }));
    expect(photo).toMatchObject({ name: "photo.jpg", mime: "image/jpeg", size: jpeg.length });
    const event = await eventWithFiles([sendsDocument(new TextEncoder().encode("a"), "a.txt"), { ...photo!, mime: "image/jpeg\r\nX-Evil: 1" }]);
    const res = await h.get(`/events/${event.id}/files/1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("x-evil")).toBeNull();
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(jpeg);
  });
});

describe("access", () => {
  test("a client without receive gets 403 and Telegram is not asked", async () => {
    const event = await eventWithFiles([sendsDocument(PDF, "счёт 1042.pdf")]);
    const res = await h.get(event.files[0]!.url, SENDER);
    expect(res.status).toBe(403);
    expect((await bodyOf(res)).error.code).toBe("forbidden_events");
    expect(telegramAsked()).toEqual([]);
  });

  test("an event outside the client's allow looks exactly like one that does not exist", async () => {
    const foreign = await eventWithFiles([sendsDocument(PDF, "p.pdf")], "petrov");
    const denied = await bodyOf(await h.get(`/events/${foreign.id}/files/0`, OPS_READER));
    const missing = await bodyOf(await h.get(`/events/999/files/0`, OPS_READER));
    expect(denied.error.code).toBe("not_found");
    expect(denied.error.message.replace(`"${foreign.id}"`, '"999"')).toBe(missing.error.message);
    expect(telegramAsked()).toEqual([]);
  });

  test("n out of range or not a number is 404", async () => {
    const event = await eventWithFiles([sendsDocument(PDF, "счёт 1042.pdf")]);
    for (const n of ["1", "-1", "abc", "1e0", "99999"]) {
      const res = await h.get(`/events/${event.id}/files/${n}`);
      expect({ n, status: res.status }).toEqual({ n, status: 404 });
      expect((await bodyOf(res)).error.message).toContain("has 1 file(s), numbered from 0");
    }
    expect(telegramAsked()).toEqual([]);
  });
});

describe("Telegram's refusals", () => {
  test("a file over 20 MB by its metadata is 422 file_too_big without asking Telegram", async () => {
    const big = sendsDocument(new Uint8Array(25 * 1024 * 1024), "big.zip");
    expect(big.size).toBe(25 * 1024 * 1024);
    const event = await eventWithFiles([big]);
    const res = await h.get(event.files[0]!.url);
    expect(res.status).toBe(422);
    expect(await bodyOf(res)).toEqual({
      error: { code: "file_too_big", message: "the file is 25.0 MB, over the 20.0 MB Telegram lets bots download; the person must send it another way (a link, a smaller file)" },
    });
    expect(telegramAsked()).toEqual([]);
  });

  test('Telegram\'s "file is too big" (no size in the update) is 422 file_too_big', async () => {
    // Telegram does not always give a file_size (photo sizes, old documents): getFile decides.
    const big = { ...sendsDocument(new Uint8Array(MAX_DOWNLOAD_BYTES + 1), "big.zip"), size: null };
    const event = await eventWithFiles([big]);
    const res = await h.get(event.files[0]!.url);
    expect(res.status).toBe(422);
    expect((await bodyOf(res)).error).toEqual({
      code: "file_too_big",
      message: "the file is over the 20.0 MB Telegram lets bots download; the person must send it another way (a link, a smaller file)",
    });
    expect(telegramAsked()).toEqual([["getFile", 400]]);
  });

  test("getFile's refusals are 502 file_unavailable with Telegram's reason, never the token", async () => {
    // A file id of another bot (the bot's token was replaced by a new bot's): Telegram knows no such file.
    const foreign = await eventWithFiles([sendsDocument(PDF, "gone.pdf", OTHER_BOT.token)]);
    const refused = await h.get(foreign.files[0]!.url);
    const text = await refused.text();
    expect(refused.status).toBe(502);
    expect(JSON.parse(text).error).toEqual({ code: "file_unavailable", message: "Telegram refused the file: 400 Bad Request: invalid file_id" });
    expect(text).not.toContain(TOKEN_SECRET);

    const event = await eventWithFiles([sendsDocument(PDF, "act.pdf")]);
    fake.emulator.failNext(BOT_TOKEN, "getFile", { error_code: 500, description: "Internal Server Error" });
    const failed = await h.get(event.files[0]!.url);
    expect([failed.status, (await bodyOf(failed)).error.message]).toEqual([502, "Telegram refused the file: 500 Internal Server Error"]);
    // The next try gets the file: nothing was remembered about the failure.
    expect((await h.get(event.files[0]!.url)).status).toBe(200);
  });

  test("the file server's refusal is 502 and names no URL with the token", async () => {
    // getFile gave the path, the file server does not serve it (a path that no longer exists).
    const event = await eventWithFiles([sendsDocument(PDF, "v.pdf")]);
    fake.emulator.failNext(BOT_TOKEN, "downloadFile", { error_code: 404, description: "Not Found" });
    const res = await h.get(event.files[0]!.url);
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(JSON.parse(text).error).toEqual({ code: "file_unavailable", message: "Telegram refused the file: 404 the Bot API server answered 404 for the file" });
    expect(text).not.toContain(TOKEN_SECRET);
    expect(telegramAsked()).toEqual([["getFile", 200], ["downloadFile", 404]]);
  });

  test("an unreachable Telegram is 502; a disabled bot is 502 saying to enable it", async () => {
    const event = await eventWithFiles([sendsDocument(PDF, "счёт 1042.pdf")]);
    await fake.close();
    fakeOpen = false;
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
