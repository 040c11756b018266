// `tgsignal demo` end to end, as a child process: --auto plays the whole two-way loop and
// each step's printed effect is checked (the event JSON, the edit, the reply); the
// interactive demo is driven through the commands its guide prints (the playground's
// /demo/say, /demo/press, /demo/inbox and the gateway's API) while its narration is read.
import { expect, test } from "bun:test";
import { appendFile, stat } from "node:fs/promises";
import { BUN_COMMAND, runToExit, spawnWithOutput } from "./serve-process.ts";

interface Event {
  id: string;
  type: string;
  user: string;
  message_id: number;
  text: string | null;
  data?: string;
  button?: string;
  notification?: string;
  reply_to: unknown;
}

/** The printed steps of --auto, by the heading after "▶ ". */
function stepsOf(stdout: string): Array<{ title: string; body: string }> {
  return stdout.split("\n▶ ").slice(1).map((chunk) => {
    const newline = chunk.indexOf("\n");
    return { title: chunk.slice(0, newline), body: chunk.slice(newline + 1) };
  });
}

function stepsTitled(stdout: string, prefix: string): string[] {
  return stepsOf(stdout).filter((step) => step.title.startsWith(prefix)).map((step) => step.body);
}

/** The JSON answer a step prints on one line after "HTTP <status> ". */
function answerOf(body: string): { status: number; json: Record<string, unknown> } {
  const match = /HTTP (\d{3}) (\{.*\})$/m.exec(body);
  if (!match) throw new Error(`no HTTP answer in:\n${body}`);
  return { status: Number(match[1]), json: JSON.parse(match[2]!) };
}

/** The events a GET /events step prints (pretty, after "HTTP 200"). */
function eventsOf(body: string): Event[] {
  expect(body).toContain("HTTP 200\n");
  return (JSON.parse(body.slice(body.indexOf("{"))) as { events: Event[] }).events;
}

test("demo --auto: key, notify, buttons, press, GET /events, edit, question and reply", async () => {
  const { code, stdout, stderr } = await runToExit(BUN_COMMAND, ["demo", "--auto", "--port", "0"], { TGSIGNAL_LOG: "warn" });
  expect(code, stderr + stdout).toBe(0);
  expect(stdout).toMatch(/Your key: [1-9]\d{7}/);
  expect(stdout).toContain("config reloaded: alice is a known user");
  const [plain] = stepsTitled(stdout, "the system notifies alice");
  expect(answerOf(plain!).status).toBe(200);
  expect(plain).toMatch(/Alice's Telegram shows:\n\s+#\d+ bot:\n\s+Disk almost full on db1/);

  // 1. the notification with buttons
  const [asked] = stepsTitled(stdout, "the system asks alice to decide");
  expect(asked).toContain(`"buttons":[[{"text":"Approve","data":"approve:1042"},{"text":"Reject","data":"reject:1042"}],[{"text":"Open","url":"https://erp.example/invoice/1042"}]]`);
  const sent = answerOf(asked!);
  expect(sent.status).toBe(200);
  const notificationId = sent.json.id as string;
  const [recipient] = sent.json.recipients as Array<{ message_ids: number[] }>;
  const messageId = recipient!.message_ids[0]!;
  expect(asked).toContain(`#${messageId} bot:\n      Invoice 1042 needs your approval\n      [Approve] [Reject]\n      [Open ↗]`);

  // 2. the press: the notice, and the keyboard now showing the choice only
  const [pressed] = stepsTitled(stdout, 'alice presses "Approve"');
  expect(pressed).toContain(`curl -s $P/demo/press -d 'Approve'`);
  expect(pressed).toContain(`Telegram shows Alice a notice: "Got it: Approve"`);
  expect(pressed).toContain(`Alice's Telegram shows:\n    #${messageId} bot:\n      Invoice 1042 needs your approval\n      [✅ Approve]\n`);
  expect(pressed).not.toContain("[Reject]");

  // 3. the event, read with GET /events
  const reads = stepsTitled(stdout, "the system reads what alice did");
  expect(reads).toHaveLength(2);
  expect(reads[0]).toContain(`curl -s "$G/events?after=0&wait=10" -H "Authorization: Bearer $T"`);
  const [press] = eventsOf(reads[0]!);
  expect(press).toMatchObject({ type: "button", user: "alice", message_id: messageId, data: "approve:1042", button: "Approve", notification: notificationId });

  // 4. the edit
  const [edit] = stepsTitled(stdout, "the system records the decision");
  expect(edit).toContain(`curl -s -X PATCH $G/messages/${notificationId} `);
  const edited = answerOf(edit!);
  expect(edited.status).toBe(200);
  expect(edited.json).toMatchObject({ id: notificationId, operation: "edit", status: "done" });
  expect(edit).toMatch(new RegExp(`#${messageId} bot \\(edited\\):\\n\\s+✅ Invoice 1042 approved by Alice\\n*$`));

  // 5. the question: 👌, a message event, and the answer under it
  const [asking] = stepsTitled(stdout, "alice asks a question");
  expect(asking).toMatch(/#(\d+) Alice:\n\s+Where is invoice 1043\?\n\s+👌 \(the bot's reaction\)/);
  const questionMessageId = Number(/#(\d+) Alice:/.exec(asking!)![1]);
  expect(reads[1]).toContain(`after=${press!.id}&wait=10`);
  const [question] = eventsOf(reads[1]!);
  expect(question).toMatchObject({ type: "message", user: "alice", text: "Where is invoice 1043?", message_id: questionMessageId, reply_to: null });
  expect(BigInt(question!.id)).toBeGreaterThan(BigInt(press!.id));
  const [answered] = stepsTitled(stdout, "the system answers alice");
  expect(answered).toContain(`"reply_to":"${question!.id}"`);
  expect(answerOf(answered!).status).toBe(200);
  expect(answered).toContain(`bot, in reply to #${questionMessageId} ("Where is invoice 1043?"):\n      Invoice 1043 was paid on Monday`);
  expect(stdout).toContain("The whole loop works");
}, 60_000);

test("demo: the guide's commands work, the playground shows Alice's chat, the narration follows it", async () => {
  const demo = spawnWithOutput(BUN_COMMAND, ["demo", "--port", "0"], { TGSIGNAL_LOG: "info" });
  try {
    const [, G, T, P] = await demo.waitForOutput(/G=(\S+) T=(\S+) P=(\S+)/, 15_000);
    const [configFile] = (await demo.waitForOutput(/\S+config\.yaml(?=\s+\(edits apply live\))/))!;
    const auth = { Authorization: `Bearer ${T}` };
    const play = async (path: string, body?: string) => {
      const response = await fetch(`${P}${path}`, body === undefined ? {} : { method: "POST", body });
      return { status: response.status, text: await response.text() };
    };

    const key = /Your key: (\d{8})/.exec((await play("/demo/say", "my key")).text)?.[1];
    expect(key).toBeDefined();
    await appendFile(configFile!, `  alice: ${key}\n`);
    await demo.waitForOutput(/config reloaded/);
    const invoice = {
      to: "alice",
      text: "Invoice 1042 needs your approval",
      buttons: [[{ text: "Approve", data: "approve:1042" }, { text: "Reject", data: "reject:1042" }], [{ text: "Open", url: "https://erp.example/invoice/1042" }]],
    };
    const notified = await fetch(`${G}/notify`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify(invoice) });
    expect(notified.status).toBe(200);
    const { id } = (await notified.json()) as { id: string };
    await demo.waitForOutput(/📱 Alice's Telegram: new message:\n\s+#\d+ bot:\n\s+Invoice 1042 needs your approval\n\s+\[Approve\] \[Reject\]\n\s+\[Open ↗\]/);

    // What a person could not press is refused and changes nothing.
    expect(await play("/demo/press", "Open")).toMatchObject({ status: 400, text: expect.stringContaining("is a url button") });
    expect(await play("/demo/press", "Aprove")).toMatchObject({ status: 400, text: expect.stringContaining(`no message in Alice's chat shows a button "Aprove"`) });
    expect(await play("/demo/press", "")).toMatchObject({ status: 400 });
    expect((await play("/demo/say")).status).toBe(405);

    const press = await play("/demo/press", "Approve");
    expect(press.status).toBe(200);
    expect(press.text).toContain(`Telegram shows Alice a notice: "Got it: Approve"`);
    expect(press.text).toMatch(/\[✅ Approve\]\n$/);
    await demo.waitForOutput(/📱 Alice's Telegram: a notice over the chat: "Got it: Approve"/);
    await demo.waitForOutput(/📱 Alice's Telegram: buttons changed:\n\s+#\d+ bot:\n\s+Invoice 1042 needs your approval\n\s+\[✅ Approve\]/);

    const events = (await (await fetch(`${G}/events?after=0&wait=10`, { headers: auth })).json()) as { events: Event[] };
    expect(events.events.map((event) => event.data)).toEqual(["approve:1042"]);
    const patch = await fetch(`${G}/messages/${id}`, {
      method: "PATCH",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ text: "✅ Invoice 1042 approved by Alice", buttons: [] }),
    });
    expect(patch.status).toBe(200);
    await demo.waitForOutput(/📱 Alice's Telegram: edited, buttons removed:\n\s+#\d+ bot \(edited\):\n\s+✅ Invoice 1042 approved by Alice/);

    const asked = await play("/demo/say", "Where is invoice 1043?");
    expect(asked.text).toMatch(/#\d+ Alice:\n  Where is invoice 1043\?\n  👌 \(the bot's reaction\)\n$/);
    await demo.waitForOutput(/📱 Alice's Telegram: reaction 👌:/);

    const [question] = ((await (await fetch(`${G}/events?after=${events.events[0]!.id}&wait=10`, { headers: auth })).json()) as { events: Event[] }).events;
    expect(question).toMatchObject({ type: "message", text: "Where is invoice 1043?" });
    const answer = { reply_to: question!.id, text: "Invoice 1043 was paid on Monday" };
    const replied = await fetch(`${G}/notify`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify(answer) });
    expect(replied.status).toBe(200);
    await demo.waitForOutput(/📱 Alice's Telegram: new message:\n\s+#\d+ bot, in reply to #\d+ \("Where is invoice 1043\?"\):\n\s+Invoice 1043 was paid on Monday/);

    const inbox = await play("/demo/inbox");
    expect(inbox.text).toContain("bot (edited):\n  ✅ Invoice 1042 approved by Alice\n\n");
    expect(inbox.text).toContain("Where is invoice 1043?\n  👌 (the bot's reaction)");
    expect(inbox.text).toMatch(/in reply to #\d+ \("Where is invoice 1043\?"\):\n  Invoice 1043 was paid on Monday\n$/);
    expect(inbox.text).not.toContain("[Approve]");

    expect(await demo.kill("SIGINT")).toBe(0);
    // The sandbox (config, data dir) is removed on the way out.
    await expect(stat(configFile!)).rejects.toThrow();
  } finally {
    demo.proc.kill();
  }
}, 60_000);
