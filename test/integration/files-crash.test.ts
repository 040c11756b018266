// kill -9 with notifications carrying files queued (Telegram in an outage) and an upload cut
// off mid-body: after a restart every notification is delivered with its files' bytes, the
// half upload and files no notification needs are gone, and once delivered the files are
// removed. `tgsignal serve` runs as a subprocess against the fake Bot API in this process.
import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pdfBytes, pngBytes } from "../fakes/images.ts";
import type { FakeBotApi } from "../fakes/fake-bot-api.ts";
import { CRASH_BOT_TOKEN as TOKEN, cleanUpAfterEach, startCrashSandbox } from "./crash-sandbox.ts";
import { timeScaleEnv } from "./boot-gateway.ts";
import { eventually, startServe, type ServeProcess } from "./serve-process.ts";

const CLIENT_TOKEN = "files-crash-token-0123456789";
const CHATS = 5;
const SCALE = 0.25;

let api: FakeBotApi | undefined;
let serve: ServeProcess | undefined;
let dir: string | undefined;
cleanUpAfterEach(() => ({ api, serve, dir }));

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const filesDir = () => join(dir!, "data", "files");
const stored = async () => (await readdir(filesDir()).catch(() => [] as string[])).sort();

/** A body that sends `first` bytes, then never ends: the server is killed while reading it. */
function endlessBody(first: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= first) return new Promise<void>(() => {});
      controller.enqueue(new Uint8Array(64 * 1024).fill(0x77));
      sent += 64 * 1024;
    },
  });
}

test("kill -9 with files queued and an upload half read: after restart all delivered, no orphan left", async () => {
  const people = Array.from({ length: CHATS }, (_, i) => ({ user: `u${i}`, chat: 7000 + i, key: String(92000000 + i) }));
  let configFile: string;
  ({ api, dir, configFile } = await startCrashSandbox({ prefix: "tgsignal-files-crash-", people, clientToken: CLIENT_TOKEN, timeScale: SCALE }));

  api.emulator.setOutage(TOKEN, { status: 503 });
  serve = await startServe(configFile, { env: timeScaleEnv(SCALE) });
  const auth = { Authorization: `Bearer ${CLIENT_TOKEN}` };
  // Each chat: its own PDF (multipart), and one PNG shared by all (JSON attachment).
  const pdfs = Array.from({ length: CHATS }, (_, i) => pdfBytes({ size: 200_000 + i, fill: i }));
  const png = pngBytes(800, 600, { size: 50_000 });
  for (let i = 0; i < CHATS; i++) {
    const form = new FormData();
    form.set("to", `u${i}`);
    form.set("text", `Счёт ${i}`);
    form.set("wait", "0");
    form.set("file", new Blob([pdfs[i]! as Uint8Array<ArrayBuffer>], { type: "application/pdf" }), `счёт-${i}.pdf`);
    expect((await fetch(`${serve.url}/notify`, { method: "POST", headers: auth, body: form })).status).toBe(202);
    const json = { to: `u${i}`, wait: 0, attachments: [{ name: "chart.png", data: Buffer.from(png).toString("base64") }] };
    expect((await fetch(`${serve.url}/notify`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify(json) })).status).toBe(202);
  }
  expect(await stored()).toEqual([...pdfs.map(sha256), sha256(png)].sort());
  // An upload in progress when the process dies: its temp file stays behind.
  void fetch(`${serve.url}/notify/u0`, { method: "PUT", headers: { ...auth, Filename: "half.bin" }, body: endlessBody(512 * 1024), duplex: "half" } as RequestInit).catch(() => {});
  await eventually(async () => (await stored()).some((name) => name.endsWith(".tmp")), 5000, "the half upload's temp file");
  await serve.kill("SIGKILL");

  // A file no notification names (e.g. its accept never reached the outbox).
  await writeFile(join(filesDir(), "f".repeat(64)), "orphan");
  api.emulator.setOutage(TOKEN, null);
  serve = await startServe(configFile, { env: timeScaleEnv(SCALE) });
  await serve.waitForOutput(/files: removed what no notification needs.*unfinished_uploads=1.*files=1/, 5000);
  expect(await stored()).toEqual([...pdfs.map(sha256), sha256(png)].sort());

  await eventually(() => api!.emulator.sent().length === 2 * CHATS, 20_000, "every notification delivered");
  for (let i = 0; i < CHATS; i++) {
    const files = api.emulator.receivedFiles(TOKEN, 7000 + i);
    expect(files.map((f) => [f.name ?? "photo", f.sha256])).toEqual([[`счёт-${i}.pdf`, sha256(pdfs[i]!)], ["photo", sha256(png)]]);
  }
  // The shared PNG was uploaded once (the first send), then sent by file_id.
  expect(api.emulator.stats().uploadsByBot.signal_bot).toBe(CHATS + 1);
  // Delivered: nothing needs the files any more.
  await eventually(async () => (await stored()).length === 0, 5000, "data_dir/files to be emptied after delivery");
  expect(await serve.kill("SIGTERM")).toBe(0);
}, 60_000);
