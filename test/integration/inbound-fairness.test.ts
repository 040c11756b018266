// Inbound fairness through the real gateway and the fake Bot API (issue 12, item 2): one
// chat's backlog never delays another chat's answer, a flood is coalesced, a per-second
// pattern never has two getUpdates in flight, and SIGTERM does not wait out a backlog.
// Bounds are in Telegram's seconds (100 ms each here): the old behaviour missed them by
// minutes (a reply per message, each about a second apart in one chat).
import { afterEach, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ask, createHarness, keyIn, TOKEN, waitFor, type Harness } from "./inbound-harness.ts";
import { timeScaleEnv } from "./boot-gateway.ts";
import { BUN_COMMAND, runCommand } from "./serve-process.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** 30 of Telegram's seconds at the tests' scale: the bound on a normal person's answer. */
const BOUND_MS = 3000;
const FLOODER = { id: 6666, first_name: "Flood", language_code: "en" };
const repliesTo = (h: Harness, chatId: number) => h.api.emulator.sent(TOKEN).filter((m) => m.chat_id === chatId);

test("a chat flooding hundreds of messages does not delay another person's key; the flood is coalesced", async () => {
  harness = await createHarness();
  await harness.start();
  const texts = ["/key", "hello", "/key", "my key", "what?", "/start", "/help"];
  for (let i = 0; i < 400; i++) harness.api.emulator.userWrites({ token: TOKEN, from: FLOODER, text: texts[i % texts.length]! });
  const reply = await ask(harness.api, "/key", { from: { id: 5001, first_name: "Ivan", language_code: "en" }, timeoutMs: BOUND_MS });
  keyIn(reply);
  await waitFor(() => harness!.api.emulator.stats().calls.getUpdates! > 0 && repliesTo(harness!, FLOODER.id).length >= 3, BOUND_MS, "the flooder's answers");
  await Bun.sleep(500);
  // Key, start and help, not 400 answers: start and help once (chatter once per 30 s); the
  // key reply is absorbed by one still queued or on the wire, so how many go out depends on
  // how fast the batches are handled against the chat's spacing: a few at most.
  const answers = repliesTo(harness, FLOODER.id).map((m) => m.text.split(/[\s:,!]/)[0]!);
  expect([...new Set(answers)].sort()).toEqual(["Hello", "Send", "Your"]);
  expect(answers.filter((first) => first !== "Your").sort()).toEqual(["Hello", "Send"]);
  expect(answers.length).toBeLessThanOrEqual(6);
  expect(harness.api.emulator.stats().tooManyRequests).toBe(0);
}, 20_000);

test("40 people asking in one group do not delay a private chat; the group gets its key once", async () => {
  harness = await createHarness();
  await harness.start();
  const chat = { id: -7100, type: "group" as const, title: "Warehouse" };
  for (let i = 0; i < 40; i++) harness.api.emulator.userWrites({ token: TOKEN, chat, from: { id: 7000 + i, first_name: `W${i}` }, text: "/key" });
  keyIn(await ask(harness.api, "/key", { timeoutMs: BOUND_MS }));
  await waitFor(() => repliesTo(harness!, chat.id).length >= 1, BOUND_MS, "the group's key");
  await Bun.sleep(500);
  expect(repliesTo(harness, chat.id)).toHaveLength(1);
  const log = (await readFile(join(harness.dir, "data", "keys.log"), "utf8")).trim().split("\n").map((line) => JSON.parse(line));
  expect(log.filter((record) => record.chat_id === chat.id)).toEqual([expect.objectContaining({ type: "issued", requested_by: 7000 })]);
}, 20_000);

test("a per-second pattern keeps one getUpdates in flight: no 409 and no aborted long poll at the fake", async () => {
  harness = await createHarness([{ id: "main", token: TOKEN, poll: "* * * * * *" }]);
  await harness.start();
  const first = harness.api.requests("getUpdates", TOKEN).length;
  // A few windows, with a request in the middle of them.
  await waitFor(() => harness!.api.requests("getUpdates", TOKEN).length >= first + 3, 6000, "three more long polls");
  keyIn(await ask(harness.api, "/key"));
  await waitFor(() => harness!.api.requests("getUpdates", TOKEN).length >= first + 5, 6000, "two more long polls");
  await harness.stopGateway();
  const polls = harness.api.requests("getUpdates", TOKEN);
  // Only the last one, cut by the gateway's own stop, may be aborted.
  expect(polls.slice(0, -1).filter((r) => r.aborted || r.status !== 200)).toEqual([]);
  expect(polls.filter((r) => r.status === 409)).toEqual([]);
}, 20_000);

test("SIGTERM with a backlog of replies exits 0 well within TimeoutStopSec; the keys are on disk and the next start answers", async () => {
  // Telegram's real second: a flood of 100 /stop, /key pairs is minutes of replies in one chat.
  harness = await createHarness([{ id: "main", token: TOKEN }], "", { timeScale: 1 });
  const env = { TGSIGNAL_LOG: "info", ...timeScaleEnv(1) };
  let child = runCommand(BUN_COMMAND, ["serve", "-c", harness.configFile], env);
  try {
    for (let i = 0; i < 200; i++) harness.api.emulator.userWrites({ token: TOKEN, from: FLOODER, text: i % 2 ? "/stop" : "/key" });
    await waitFor(() => repliesTo(harness!, FLOODER.id).length >= 1, 10_000, "the first reply");
    const stopping = Date.now();
    child.kill("SIGTERM");
    const code = await Promise.race([child.exited, Bun.sleep(30_000).then(() => "still running after 30 s")]);
    expect(code).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(30_000);
    const stderr = await new Response(child.stderr as ReadableStream).text();
    expect(stderr).not.toContain("ERROR");
    // Every key issued before the stop is in the log; the restarted server goes on from the saved offset.
    const issued = (await readFile(join(harness.dir, "data", "keys.log"), "utf8")).trim().split("\n").length;
    expect(issued).toBeGreaterThan(0);
    child = runCommand(BUN_COMMAND, ["serve", "-c", harness.configFile], env);
    keyIn(await ask(harness.api, "/key", { timeoutMs: 10_000 }));
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
}, 60_000);
