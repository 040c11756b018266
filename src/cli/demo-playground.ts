// The demo's playground: the emulator's Bot API (the gateway's api_url points here) plus
// three endpoints for playing the person with curl, each answering with what Alice's
// Telegram shows afterwards:
//   POST /demo/say     body: what she writes (default "my key")
//   POST /demo/press   body: the label of the button she presses; ?message=ID picks the
//                      message (default: the newest one showing that button)
//   GET  /demo/inbox   her whole chat: texts, edits, buttons, reactions, replies
import type { BotApiEmulator } from "../emulator/bot-api.ts";
import { PersonMistake, type PersonChat } from "./demo-person.ts";

/** How long a playground request waits for the bot (it polls every second in the demo). */
const ANSWER_WAIT_MS = 10_000;

const ENDPOINTS = "POST /demo/say (what Alice writes), POST /demo/press (a button's label), GET /demo/inbox";

export function createPlayground(emulator: BotApiEmulator, chat: PersonChat): (req: Request) => Promise<Response> {
  return async (req) => {
    const url = new URL(req.url);
    if (!url.pathname.startsWith("/demo/")) return emulator.fetch(req);
    try {
      if (url.pathname === "/demo/say") return onlyPost(req) ?? (await say(chat, await req.text()));
      if (url.pathname === "/demo/press") return onlyPost(req) ?? (await press(chat, await req.text(), url.searchParams.get("message")));
      if (url.pathname === "/demo/inbox") return text(`${chat.renderChat()}\n`);
      return text(`no such playground endpoint; there are ${ENDPOINTS}\n`, 404);
    } catch (error) {
      if (error instanceof PersonMistake) return text(`${error.message}\n`, 400);
      throw error;
    }
  };
}

async function say(chat: PersonChat, body: string): Promise<Response> {
  const outcome = await chat.say(body.trim() || "my key", ANSWER_WAIT_MS);
  // A text answer (a key, "how to connect") is what she reads; an acknowledged message
  // shows the bot's reaction on it.
  if (outcome.reply) return text(`${chat.render(outcome.reply)}\n`);
  if (outcome.sent.reactions.length > 0) return text(`${chat.render(outcome.sent)}\n`);
  return text("(no answer yet: is the bot polling? the gateway's log says)\n");
}

async function press(chat: PersonChat, body: string, messageParam: string | null): Promise<Response> {
  const label = body.trim();
  if (label === "") throw new PersonMistake("say which button Alice presses: curl -s $P/demo/press -d Approve");
  const messageId = messageParam === null ? undefined : Number(messageParam);
  if (messageId !== undefined && !Number.isSafeInteger(messageId)) throw new PersonMistake(`?message= must be a message number, got "${messageParam}"`);
  const outcome = await chat.press(label, messageId, ANSWER_WAIT_MS);
  const notice = outcome.notice === undefined ? "(the bot has not answered the press yet)" : `Telegram shows Alice a notice: "${outcome.notice}"`;
  return text(`${notice}\n\n${chat.render(outcome.message)}\n`);
}

function onlyPost(req: Request): Response | undefined {
  if (req.method === "POST") return undefined;
  return new Response("use POST, e.g. curl -s $P/demo/say -d 'my key'\n", { status: 405, headers: { Allow: "POST" } });
}

function text(body: string, status = 200): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
