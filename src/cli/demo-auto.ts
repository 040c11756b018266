// `tgsignal demo --auto`: plays every step of the guide itself, through the same HTTP
// requests a newcomer types (the gateway's API and the playground), checks each step's
// effect on Alice's Telegram, and exits 0 only when the whole two-way loop works.
import { appendFile } from "node:fs/promises";
import type { ChatMessage } from "../emulator/chat-history.ts";
import { KEY_SOURCE } from "../keys/key-format.ts";
import { EXIT, type CliContext } from "./context.ts";
import { PERSON } from "./demo-person.ts";
import { indent } from "./demo-render.ts";
import type { Sandbox } from "./demo-sandbox.ts";
import { APPROVE, APPROVED, answerBody, CURL, DISK_TEXT, INVOICE, NAME, QUESTION } from "./demo-script.ts";
import type { RunningGateway } from "./serve.ts";

/** Upper bound for any one step: the bot polls every second, a reload takes about one. */
const STEP_TIMEOUT_MS = 10_000;

/** A step did not have its effect: the demo says which and exits non-zero. */
class StepFailed extends Error {}

interface Answer {
  status: number;
  text: string;
  json: unknown;
}

interface Run {
  ctx: CliContext;
  sandbox: Sandbox;
  running: RunningGateway;
}

export async function playAuto(ctx: CliContext, sandbox: Sandbox, running: RunningGateway): Promise<number> {
  const run: Run = { ctx, sandbox, running };
  ctx.print(`(in the commands below, $G is the gateway ${running.url}, $T its client token, $P the playground ${sandbox.playgroundUrl})`);
  try {
    await connect(run);
    await notifyPlain(run);
    const notification = await notifyWithButtons(run);
    await pressApprove(run);
    const press = await readEvent(run, "0", "button");
    await recordDecision(run, notification);
    await askQuestion(run);
    const question = await readEvent(run, press, "message");
    await answerQuestion(run, question);
  } catch (error) {
    if (error instanceof StepFailed) return ctx.printError(`demo: ${error.message}`), EXIT.runtime;
    throw error;
  }
  ctx.print("\nThe whole loop works: key, notification, button, event, edit, question, reply.");
  ctx.print("Next: README's quick start with a real bot.");
  return EXIT.ok;
}

function step(run: Run, title: string, ...lines: string[]): void {
  run.ctx.print(`\n▶ ${title}`);
  for (const line of lines) run.ctx.print(indent(line));
}

/** The person asks for a key; the admin assigns it in the config. */
async function connect(run: Run): Promise<void> {
  step(run, `the person writes "my key" to the bot`, CURL.say("my key"));
  const reply = await playground(run, "/demo/say", "my key");
  run.ctx.print(indent(reply.text.trimEnd()));
  const key = new RegExp(`\\b${KEY_SOURCE}\\b`).exec(reply.text)?.[0];
  if (!key) throw new StepFailed("the bot did not reply with a key");

  step(run, `the admin adds "${NAME}: ${key}" to ${run.sandbox.configFile}`);
  await appendFile(run.sandbox.configFile, `  ${NAME}: ${key}\n`);
  const assigned = await waitForUser(run, NAME);
  if (!assigned) throw new StepFailed("the config edit did not apply");
  run.ctx.print(indent(`config reloaded: ${NAME} is a known user`));
}

async function notifyPlain(run: Run): Promise<void> {
  step(run, `the system notifies ${NAME} with one curl`, CURL.notifyForm(DISK_TEXT));
  const answer = await gateway(run, "POST", "/notify", new URLSearchParams({ to: NAME, text: DISK_TEXT }));
  run.ctx.print(indent(`HTTP ${answer.status} ${answer.text}`));
  showMessage(run, await sent(run, (m) => m.message.text === DISK_TEXT, "the notification did not reach Alice"));
}

/** Returns the notification's id. */
async function notifyWithButtons(run: Run): Promise<string> {
  step(run, `the system asks ${NAME} to decide, with buttons`, CURL.json("POST", "/notify", INVOICE));
  const answer = await gateway(run, "POST", "/notify", INVOICE);
  run.ctx.print(indent(`HTTP ${answer.status} ${answer.text}`));
  const id = (answer.json as { id?: unknown } | undefined)?.id;
  if (answer.status !== 200 || typeof id !== "string") throw new StepFailed(`the notification with buttons was not delivered (HTTP ${answer.status})`);
  showMessage(run, await sent(run, (m) => m.message.text === INVOICE.text && m.message.reply_markup !== undefined, "the buttons did not reach Alice"));
  return id;
}

async function pressApprove(run: Run): Promise<void> {
  step(run, `${NAME} presses "${APPROVE}"`, CURL.press(APPROVE));
  const answer = await playground(run, "/demo/press", APPROVE);
  const notice = answer.text.split("\n", 1)[0] ?? "";
  run.ctx.print(indent(notice));
  if (!notice.includes(`notice: "Got it: ${APPROVE}"`)) throw new StepFailed(`the press was not answered: ${answer.text}`);
  // One decision per message: the keyboard becomes the choice taken.
  const labels = (m: ChatMessage) => m.message.reply_markup?.inline_keyboard.flat().map((button) => button.text);
  const choice = (m: ChatMessage) => m.message.text === INVOICE.text && JSON.stringify(labels(m)) === JSON.stringify([`✅ ${APPROVE}`]);
  showMessage(run, await sent(run, choice, `the buttons did not change to "✅ ${APPROVE}"`));
}

/** Reads the next event after `after` with the curl shown; returns its id. */
async function readEvent(run: Run, after: string, type: "button" | "message"): Promise<string> {
  step(run, `the system reads what ${NAME} did`, CURL.events(after));
  const answer = await gateway(run, "GET", `/events?after=${after}&wait=10`);
  // Pretty, as `| jq` shows it: the event JSON is what the system works with.
  const body = answer.json === undefined ? answer.text : JSON.stringify(answer.json, null, 2);
  run.ctx.print(indent(`HTTP ${answer.status}\n${body}`));
  const events = (answer.json as { events?: Array<{ id: string; type: string }> } | undefined)?.events ?? [];
  const event = events.find((candidate) => candidate.type === type);
  if (!event) throw new StepFailed(`GET /events answered no ${type} event (HTTP ${answer.status})`);
  return event.id;
}

async function recordDecision(run: Run, notification: string): Promise<void> {
  const path = `/messages/${notification}`;
  step(run, "the system records the decision in the notification", CURL.json("PATCH", path, APPROVED));
  const answer = await gateway(run, "PATCH", path, APPROVED);
  run.ctx.print(indent(`HTTP ${answer.status} ${answer.text}`));
  const edited = await sent(run, (m) => m.message.text === APPROVED.text && m.message.reply_markup === undefined, "the message was not edited");
  showMessage(run, edited);
}

async function askQuestion(run: Run): Promise<void> {
  step(run, `${NAME} asks a question`, CURL.say(QUESTION));
  const answer = await playground(run, "/demo/say", QUESTION);
  run.ctx.print(indent(answer.text.trimEnd()));
  if (!answer.text.includes("👌")) throw new StepFailed("the question was not acknowledged with 👌");
}

async function answerQuestion(run: Run, eventId: string): Promise<void> {
  const body = answerBody(eventId);
  step(run, `the system answers ${NAME}, under her message`, CURL.json("POST", "/notify", body));
  const answer = await gateway(run, "POST", "/notify", body);
  run.ctx.print(indent(`HTTP ${answer.status} ${answer.text}`));
  const replied = (m: ChatMessage) => m.message.text === body.text && m.message.reply_to_message?.text === QUESTION;
  showMessage(run, await sent(run, replied, "the answer did not reach Alice as a reply to her question"));
}

function showMessage(run: Run, message: ChatMessage): void {
  run.ctx.print(`  ${PERSON.first_name}'s Telegram shows:`);
  run.ctx.print(indent(run.sandbox.person.render(message)));
}

/** Waits until Alice's chat shows a message matching `predicate` (new or changed). */
async function sent(run: Run, predicate: (message: ChatMessage) => boolean, failure: string): Promise<ChatMessage> {
  const found = await run.sandbox.person.waitForMessage(predicate, STEP_TIMEOUT_MS);
  if (!found) throw new StepFailed(failure);
  return found;
}

async function gateway(run: Run, method: string, path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { Authorization: `Bearer ${run.sandbox.clientToken}` };
  if (body !== undefined && !(body instanceof URLSearchParams)) headers["Content-Type"] = "application/json";
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = body instanceof URLSearchParams ? body : JSON.stringify(body);
  return answerOf(await fetch(`${run.running.url}${path}`, init));
}

async function playground(run: Run, path: string, body: string): Promise<Answer> {
  return answerOf(await fetch(`${run.sandbox.playgroundUrl}${path}`, { method: "POST", body }));
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/** Resolves true once the config in force has `name` in users (the file watcher reloads it), false after the step timeout. */
function waitForUser(run: Run, name: string): Promise<boolean> {
  const { store } = run.running.gateway;
  if (store.current.users.has(name)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (found: boolean) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(found);
    };
    const unsubscribe = store.subscribe((next) => {
      if (next.users.has(name)) finish(true);
    });
    const timer = setTimeout(() => finish(false), STEP_TIMEOUT_MS);
  });
}
