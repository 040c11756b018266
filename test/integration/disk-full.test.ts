// A full disk, for real: `tgsignal serve` runs as a process with its data dir on a small
// tmpfs that the test fills until the kernel says ENOSPC. Accepting answers 507
// storage_full with nothing half-written; a key request gets no key and is answered once
// space is back; start needs no free space to read state; no temp file is left behind.
// Mounting needs root (CI runs as root); elsewhere these tests are skipped, saying why.
import { afterEach, describe, expect, test } from "bun:test";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startFakeBotApi, type FakeBotApi } from "../fakes/fake-bot-api.ts";
import { listFiles, mountTmpfs, TMPFS_UNAVAILABLE, type Tmpfs } from "../platform/tmpfs.ts";
import { BUN_COMMAND, runToExit, startServe, tempDir, writeConfig, type ServeProcess } from "./serve-process.ts";

const TOKEN = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const CLIENT_TOKEN = "disk-full-token-0123456789";
const IVANOV = { key: "48213977", chat: 5001 };
const STRANGER = { id: 5002, first_name: "Olga", username: "olga", language_code: "en" };
const PAGE = 4096;

let api: FakeBotApi | undefined;
let serve: ServeProcess | undefined;
let disk: Tmpfs | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (serve && serve.proc.exitCode === null) await serve.kill("SIGKILL");
  serve = undefined;
  await api?.close();
  await disk?.unmount();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * tmpfs hands out whole pages, and an append that fits in the last page's slack needs no
 * new one. So keys.log is padded (with a blank line, which replay skips) to end exactly
 * on a page: the next record needs a page the full disk does not have.
 */
function keyLogOnPageBoundary(): string {
  const record = JSON.stringify({ type: "issued", key: IVANOV.key, bot: "main", chat_id: IVANOV.chat, chat_type: "private", username: "ivan", name: "Ivan", at: "2026-11-25T09:00:00.000Z" }) + "\n";
  return record + " ".repeat(2 * PAGE - record.length - 1) + "\n";
}

async function setup(): Promise<{ config: string; data: string }> {
  api = await startFakeBotApi({ bots: [{ token: TOKEN, id: 111111, username: "signal_bot", first_name: "Signal" }] });
  api.emulator.addChat(TOKEN, { id: IVANOV.chat, type: "private", first_name: "Ivan" });
  disk = await mountTmpfs("1m");
  dir = await tempDir("tgsignal-disk-full-");
  await writeFile(join(disk.dir, "keys.log"), keyLogOnPageBoundary());
  const config = [
    "listen: 127.0.0.1:0",
    `data_dir: ${disk.dir}`,
    "clients:",
    "  test:",
    `    token: ${CLIENT_TOKEN}`,
    "bots:",
    "  main:",
    `    token: "${TOKEN}"`,
    `    api_url: ${api.url}`,
    '    poll: "* * * * * *"',
    "users:",
    `  ivanov: ${IVANOV.key}`,
  ].join("\n");
  return { config: await writeConfig(dir, config + "\n"), data: disk.dir };
}

function notify(text: string): Promise<Response> {
  return fetch(`${serve!.url}/notify/ivanov?wait=0`, {
    method: "POST",
    headers: { Authorization: `Bearer ${CLIENT_TOKEN}`, "Content-Type": "text/plain" },
    body: text,
  });
}

/** The person writes `text`; resolves with the bot's next message to them. */
async function ask(text: string, timeoutMs = 10_000): Promise<string> {
  const before = api!.emulator.sent(TOKEN).filter((m) => m.chat_id === STRANGER.id).length;
  api!.emulator.userWrites({ token: TOKEN, from: STRANGER, text });
  return (await waitForReply(before, timeoutMs)).text;
}

async function waitForReply(before: number, timeoutMs: number): Promise<{ text: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const replies = api!.emulator.sent(TOKEN).filter((m) => m.chat_id === STRANGER.id);
    if (replies.length > before) return replies[before]!;
    if (Date.now() > deadline) throw new Error(`no reply within ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

const tempFiles = async (data: string) => (await listFiles(data)).filter((name) => name.endsWith(".tmp"));

describe.skipIf(TMPFS_UNAVAILABLE !== undefined)(`a full disk${TMPFS_UNAVAILABLE ? ` (skipped: ${TMPFS_UNAVAILABLE})` : ""}`, () => {
  test("while running: 507 storage_full with nothing half-written, no key until space is back, no temp file left", async () => {
    const { config, data } = await setup();
    serve = await startServe(config);
    expect([200, 202]).toContain((await notify("before the disk filled")).status);
    expect(await ask("/help")).toContain("/key"); // the poll offset file now exists
    await disk!.fill();

    const outbox = await readFile(join(data, "outbox.log"));
    const refused = await notify("x".repeat(3 * PAGE));
    expect(refused.status).toBe(507);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("storage_full");
    expect(await readFile(join(data, "outbox.log"))).toEqual(outbox);
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);

    // Replying needs no disk, but the poll offset cannot be saved: its temp file must go.
    // (/start, not /help again: the same help goes to a chat at most once per 30 s.)
    expect(await ask("/start")).toContain("/key");
    await serve.waitForOutput(/polling failed.*ENOSPC/);
    const keys = await readFile(join(data, "keys.log"));
    const before = api!.emulator.sent(TOKEN).filter((m) => m.chat_id === STRANGER.id).length;
    api!.emulator.userWrites({ token: TOKEN, from: STRANGER, text: "/key" });
    await serve.waitForOutput(/polling failed.*keys\.log \(ENOSPC\)/);
    expect(api!.emulator.sent(TOKEN).filter((m) => m.chat_id === STRANGER.id)).toHaveLength(before);
    expect(await readFile(join(data, "keys.log"))).toEqual(keys);
    expect(await tempFiles(data)).toEqual([]);

    // Space is back: the poller's retry issues the key, and accepting works again.
    await disk!.free();
    const reply = await waitForReply(before, 15_000);
    const key = /\b([1-9]\d{7})\b/.exec(reply.text)?.[1];
    expect(key).toBeDefined();
    const records = (await readFile(join(data, "keys.log"), "utf8")).split("\n").filter((line) => line.trim() !== "");
    expect(records.map((line) => (JSON.parse(line) as { key: string }).key)).toEqual([IVANOV.key, key!]);
    expect([200, 202]).toContain((await notify("after the disk was freed")).status);

    await disk!.fill();
    expect(await serve.kill("SIGTERM")).toBe(0);
    expect(await listFiles(data)).not.toContain("tgsignal.lock");
    expect(await tempFiles(data)).toEqual([]);
  }, 60_000);

  test("at start: state is read without free space; only a disk too full for the lock's few bytes stops it, with exit 3", async () => {
    const { config, data } = await setup();
    api!.emulator.setOutage(TOKEN, { status: 503 });
    serve = await startServe(config);
    // Three notifications to one chat (Telegram sends one a second per chat): 3 pages.
    for (let n = 0; n < 3; n++) expect((await notify(`queued ${n} ` + "y".repeat(PAGE - 100))).status).toBe(202);
    expect(await serve.kill("SIGTERM")).toBe(0);
    const outbox = await readFile(join(data, "outbox.log"));

    // A dead writer's temp file holds the only free space; start removes it, takes the
    // lock, fails to compact the outbox (no room for a copy) and runs on the file as is:
    // the queued notifications go out.
    await disk!.fill();
    await disk!.free(3 * PAGE);
    await writeFile(join(data, ".outbox.log.999999999.1.tmp"), new Uint8Array(3 * PAGE));
    api!.emulator.setOutage(TOKEN, null);
    serve = await startServe(config);
    await serve.waitForOutput(/compaction failed/);
    expect(await tempFiles(data)).toEqual([]);
    const deadline = Date.now() + 20_000;
    while (api!.emulator.sent(TOKEN).length < 3 && Date.now() < deadline) await Bun.sleep(50);
    expect(new Set(api!.emulator.sent(TOKEN).map((m) => m.text.slice(0, 8))).size).toBe(3);
    // Not rewritten: progress records were appended to the file as it was.
    expect((await readFile(join(data, "outbox.log"))).subarray(0, outbox.length)).toEqual(outbox);
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    await disk!.fill();
    expect((await notify("z".repeat(3 * PAGE))).status).toBe(507);
    expect(await serve.kill("SIGTERM")).toBe(0);

    await disk!.fill();
    const refused = await runToExit(BUN_COMMAND, ["serve", "-c", config]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`no space left for ${join(data, "tgsignal.lock")} (ENOSPC)`);
    expect(await listFiles(data)).toEqual(["keys.log", "outbox.log"]);
  }, 60_000);
});
