// Interactive `tgsignal demo`: print the steps to type in another terminal, then narrate
// what changes in Alice's Telegram as it happens, until Ctrl+C.
import type { CliContext } from "./context.ts";
import { PERSON } from "./demo-person.ts";
import type { Sandbox } from "./demo-sandbox.ts";
import { APPROVE, APPROVED, answerBody, CURL, DISK_TEXT, INVOICE, NAME, QUESTION } from "./demo-script.ts";
import { indent } from "./demo-render.ts";

export function printGuide(ctx: CliContext, sandbox: Sandbox, gatewayUrl: string): void {
  const text = `
tgsignal demo: the gateway is running against a built-in Telegram emulator (no bot token needed).
  gateway     ${gatewayUrl}
  playground  ${sandbox.playgroundUrl}   (plays ${PERSON.first_name}'s Telegram)
  config      ${sandbox.configFile}   (edits apply live)

In another terminal, set these first:
     G=${gatewayUrl} T=${sandbox.clientToken} P=${sandbox.playgroundUrl}

1. Be the person: ask the bot for a key, as you would write «мой ключ» in Telegram:
     ${CURL.say("my key")}

2. Be the admin: put that key next to a name in the config (replace KEY):
     echo '  ${NAME}: KEY' >> ${sandbox.configFile}

3. Be the system: notify ${NAME} with one curl:
     ${CURL.notifyForm(DISK_TEXT)}

4. Ask ${NAME} to decide, with buttons (the answer's "id" is the notification: ID below):
${indent(CURL.json("POST", "/notify", INVOICE), "     ")}

5. Be ${NAME}: press Approve (Telegram shows her a notice; the buttons show her choice):
     ${CURL.press(APPROVE)}

6. Be the system: read what people did (waits up to 10 s for something new):
     ${CURL.events("0")}

7. Record the decision in the notification (replace ID):
${indent(CURL.json("PATCH", "/messages/ID", APPROVED), "     ")}

8. Be ${NAME}: ask a question; the bot puts 👌 on it, and it becomes an event
   (replace LAST with the id of the last event you read):
     ${CURL.say(QUESTION)}
     ${CURL.events("LAST")}

9. Answer her, under her message (replace EVENT with the question's event id):
${indent(CURL.json("POST", "/notify", answerBody("EVENT")), "     ")}

Alice's whole chat: ${CURL.inbox()}
What changes in it appears below. Ctrl+C stops the demo and removes the sandbox.`;
  // The sandbox's client token is a throwaway the person must type: show it.
  ctx.print(text, { redact: false });
}

/** Prints what Alice would notice after every change the emulator reports; returns a stop. */
export function narrateChanges(ctx: CliContext, sandbox: Sandbox): () => void {
  return sandbox.emulator.watchChanges(() => {
    for (const change of sandbox.person.changes()) ctx.print(`\n📱 ${PERSON.first_name}'s Telegram: ${change}`);
  });
}
