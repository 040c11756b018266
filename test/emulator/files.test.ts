import { afterEach, describe, expect, test } from "bun:test";
import { MAX_DOWNLOAD_BYTES } from "../../src/emulator/files.ts";
import type { TelegramFile } from "../../src/emulator/types.ts";
import { type FakeBotApi, startFakeBotApi } from "../fakes/fake-bot-api.ts";
import { ALICE, call, makeEmulator, ok, OTHER_TOKEN, TOKEN } from "./emulator-helpers.ts";

const BOT = { token: TOKEN, id: 123456, username: "signal_bot", first_name: "Signal" };
const pdf = new TextEncoder().encode("%PDF-1.4 act 17");

describe("getFile", () => {
  test("answers file_path and file_size; the same file keeps its path", async () => {
    const emulator = makeEmulator();
    const fileId = emulator.userSendsDocument({ token: TOKEN, from: ALICE, bytes: pdf, file_name: "act.pdf" }).message?.document?.file_id ?? "";
    const file = await ok<TelegramFile>(emulator, "getFile", { file_id: fileId });
    expect(file).toEqual({ file_id: fileId, file_unique_id: expect.any(String), file_size: pdf.length, file_path: "documents/file_0.pdf" });
    expect((await ok<TelegramFile>(emulator, "getFile", { file_id: fileId })).file_path).toBe("documents/file_0.pdf");
    const photo = emulator.userSendsPhoto({ token: TOKEN, from: ALICE, bytes: pdf, width: 10, height: 10 }).message?.photo?.at(-1);
    expect((await ok<TelegramFile>(emulator, "getFile", { file_id: photo?.file_id })).file_path).toBe("photos/file_1.jpg");
  });

  test("over 20 MB is 'file is too big'; unknown, missing and other bots' ids are refused", async () => {
    const emulator = makeEmulator();
    emulator.addBot({ token: OTHER_TOKEN, id: 654321, username: "other_bot", first_name: "Other" });
    const big = emulator.userSendsDocument({ token: TOKEN, from: ALICE, bytes: new Uint8Array(MAX_DOWNLOAD_BYTES + 1), file_name: "big.zip" });
    const limit = emulator.userSendsDocument({ token: TOKEN, from: ALICE, bytes: new Uint8Array(MAX_DOWNLOAD_BYTES), file_name: "limit.zip" });
    expect(await call(emulator, "getFile", { file_id: big.message?.document?.file_id })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: "Bad Request: file is too big" },
    });
    expect((await call(emulator, "getFile", { file_id: limit.message?.document?.file_id })).status).toBe(200);
    expect((await call(emulator, "getFile", { file_id: "nope" })).body.description).toBe("Bad Request: invalid file_id");
    expect((await call(emulator, "getFile")).body.description).toBe("Bad Request: file_id not specified");
    const foreign = await call(emulator, "getFile", { file_id: limit.message?.document?.file_id }, { token: OTHER_TOKEN });
    expect(foreign.body.description).toBe("Bad Request: invalid file_id");
  });
});

describe("the file route /file/bot<token>/<file_path>", () => {
  test("serves the bytes with their type and length; a copy, not the test's array", async () => {
    const emulator = makeEmulator();
    const source = pdf.slice();
    const fileId = emulator.userSendsDocument({ token: TOKEN, from: ALICE, bytes: source, file_name: "act.pdf" }).message?.document?.file_id;
    source.fill(0);
    const { file_path } = await ok<TelegramFile>(emulator, "getFile", { file_id: fileId });
    const response = await emulator.fetch(new Request(`http://api.test/file/bot${TOKEN}/${file_path}`));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("content-length")).toBe(String(pdf.length));
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(pdf);
  });

  test("unknown paths are 404, a wrong token 401, as Bot API JSON", async () => {
    const emulator = makeEmulator();
    const fileId = emulator.userSendsDocument({ token: TOKEN, from: ALICE, bytes: pdf, file_name: "act.pdf" }).message?.document?.file_id;
    const get = async (path: string) => {
      const response = await emulator.fetch(new Request(`http://api.test${path}`));
      return [response.status, await response.json()];
    };
    // Known to Telegram only once getFile gave the path.
    expect(await get(`/file/bot${TOKEN}/documents/file_0.pdf`)).toEqual([404, { ok: false, error_code: 404, description: "Not Found" }]);
    const { file_path } = await ok<TelegramFile>(emulator, "getFile", { file_id: fileId });
    expect(await get(`/file/bot${OTHER_TOKEN}/${file_path}`)).toEqual([401, { ok: false, error_code: 401, description: "Unauthorized" }]);
    expect((await get(`/file/bot${TOKEN}/documents/file_9.pdf`))[0]).toBe(404);
    expect((await get(`/file/bot${TOKEN}/%E0%A4%A`))[0]).toBe(404);
  });

  test("failNext(token, 'downloadFile') and outages fail downloads too", async () => {
    const emulator = makeEmulator();
    const fileId = emulator.userSendsDocument({ token: TOKEN, from: ALICE, bytes: pdf, file_name: "act.pdf" }).message?.document?.file_id;
    const { file_path } = await ok<TelegramFile>(emulator, "getFile", { file_id: fileId });
    const download = () => emulator.fetch(new Request(`http://api.test/file/bot${TOKEN}/${file_path}`));
    emulator.failNext(TOKEN, "downloadFile", { error_code: 500, description: "Internal Server Error" });
    expect((await download()).status).toBe(500);
    emulator.setOutage("*", { status: 502 });
    expect((await download()).status).toBe(502);
    emulator.setOutage("*", null);
    expect((await download()).status).toBe(200);
  });
});

describe("through the fake server", () => {
  let server: FakeBotApi | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test("a person's file is fetched over HTTP the way the Telegram port does it, and logged", async () => {
    server = await startFakeBotApi({ bots: [BOT] });
    const bytes = new Uint8Array(256 * 1024).map((_, i) => i % 251);
    const update = server.emulator.userSendsDocument({ token: TOKEN, from: ALICE, bytes, file_name: "scan 1.pdf" });
    const file = (await (await fetch(`${server.url}/bot${TOKEN}/getFile?file_id=${update.message?.document?.file_id}`)).json()) as { result: TelegramFile };
    const path = (file.result.file_path ?? "").split("/").map(encodeURIComponent).join("/");
    const response = await fetch(`${server.url}/file/bot${TOKEN}/${path}`);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
    expect((await fetch(`${server.url}/file/bot${TOKEN}/documents/missing.pdf`)).status).toBe(404);
    expect((await fetch(`${server.url}/file/bot${OTHER_TOKEN}/${path}`)).status).toBe(401);
    expect(server.requests("getFile")).toHaveLength(1);
    expect(server.requests("downloadFile").map((r) => [r.token, r.file_path, r.status])).toEqual([
      [TOKEN, file.result.file_path, 200],
      [TOKEN, "documents/missing.pdf", 404],
      [OTHER_TOKEN, file.result.file_path, 401],
    ]);
  });
});
