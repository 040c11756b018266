// The demo's script: what the system sends and what Alice writes, and the curl commands
// that do it. The interactive guide prints these commands and --auto runs the same
// requests, so what a newcomer types is exactly what --auto proves works.
// In the commands, $G is the gateway, $T its client token and $P the playground.

export const NAME = "alice";

export const DISK_TEXT = "Disk almost full on db1";

/** DESIGN "Interactive notifications": a decision to make, plus a link to the document. */
export const INVOICE = {
  to: NAME,
  text: "Invoice 1042 needs your approval",
  buttons: [
    [
      { text: "Approve", data: "approve:1042" },
      { text: "Reject", data: "reject:1042" },
    ],
    [{ text: "Open", url: "https://erp.example/invoice/1042" }],
  ],
};

export const APPROVE = "Approve";
export const APPROVED = { text: "✅ Invoice 1042 approved by Alice", buttons: [] };

export const QUESTION = "Where is invoice 1043?";
const ANSWER_TEXT = "Invoice 1043 was paid on Monday; the receipt is in your mail.";

export function answerBody(eventId: string): { reply_to: string; text: string } {
  return { reply_to: eventId, text: ANSWER_TEXT };
}

const AUTH = `-H "Authorization: Bearer $T"`;

export const CURL = {
  say: (text: string) => `curl -s $P/demo/say -d '${text}'`,
  press: (label: string) => `curl -s $P/demo/press -d '${label}'`,
  inbox: () => "curl -s $P/demo/inbox",
  notifyForm: (text: string) => `curl -s $G/notify ${AUTH} -d to=${NAME} -d text='${text}'`,
  events: (after: string) => `curl -s "$G/events?after=${after}&wait=10" ${AUTH}`,
  json: (method: "POST" | "PATCH", path: string, body: unknown) =>
    `curl -s${method === "POST" ? "" : ` -X ${method}`} $G${path} ${AUTH} -H 'Content-Type: application/json' \\\n` +
    `  -d '${JSON.stringify(body)}'`,
};
