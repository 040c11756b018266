// Buttons in a notify or edit request: JSON rows or a flat list, JSON text in a form
// field, and the curl spelling; every refusal says which button and why, with the code
// clients match on; the limits in /openapi.json are the enforced ones.
import { describe, expect, test } from "bun:test";
import { queryFields } from "../../src/http/body.ts";
import { readButtons } from "../../src/http/buttons.ts";
import { parseNotifyFields } from "../../src/http/notify.ts";
import { buildOpenApi } from "../../src/http/openapi.ts";
import { refusal } from "../helpers/refusal.ts";

const ROWS = [
  [
    { text: "Согласовать", data: "approve:42" },
    { text: "Открыть", url: "https://erp.local/invoice/42?tab=1|2" },
  ],
  [{ text: "Отклонить", data: "reject:42|urgent" }],
];

describe("spellings", () => {
  test("rows in JSON, the same as JSON text in a form field, and the curl lines mean the same", () => {
    expect(readButtons(ROWS, undefined)).toEqual(ROWS);
    expect(readButtons(JSON.stringify(ROWS), undefined)).toEqual(ROWS);
    const lines = ["Согласовать|approve:42", "Открыть|https://erp.local/invoice/42?tab=1|2", "", "Отклонить|reject:42|urgent"];
    expect(readButtons(undefined, lines)).toEqual(ROWS);
    const query = queryFields(new URL(`http://x/?${lines.map((line) => `button=${encodeURIComponent(line)}`).join("&")}`));
    expect(readButtons(undefined, query.button)).toEqual(ROWS);
  });

  test("a flat list is one row; a single curl line is one button; blank lines at the ends or twice are no rows", () => {
    expect(readButtons([{ text: "A", data: "a" }, { text: "B", data: "b" }], undefined)).toEqual([[{ text: "A", data: "a" }, { text: "B", data: "b" }]]);
    expect(readButtons(undefined, "Ok|ok")).toEqual([[{ text: "Ok", data: "ok" }]]);
    expect(readButtons(undefined, ["", "A|a", "", "", "B|b", ""])).toEqual([[{ text: "A", data: "a" }], [{ text: "B", data: "b" }]]);
  });

  test("[] is no buttons (an edit removes them); a field with extra keys is refused, not trimmed", () => {
    expect(readButtons([], undefined)).toEqual([]);
    expect(readButtons("[]", undefined)).toEqual([]);
    expect(refusal(() => readButtons([{ text: "A", data: "a", color: "red" }], undefined)).message).toBe('button 1 ("A"): unknown field "color"');
  });

  test("in a notify request: buttons, keep_buttons, and reply_to instead of to", () => {
    const { input } = parseNotifyFields({ text: "Invoice 1042", reply_to: 1042, buttons: ROWS, keep_buttons: "yes" });
    expect(input).toMatchObject({ to: [], replyTo: "1042", buttons: ROWS, keepButtons: true });
    expect(parseNotifyFields({ to: "ivanov", text: "x", buttons: [] }).input.buttons).toBeUndefined();
  });
});

describe("refusals name the button and why (400 bad_buttons)", () => {
  const label65 = "л".repeat(65);
  const cases: Array<[string, unknown, unknown, string]> = [
    ["not a list", { text: "A", data: "a" }, undefined, "buttons must be a list of rows"],
    ["rows mixed with buttons", [[{ text: "A", data: "a" }], { text: "B", data: "b" }], undefined, "buttons mixes rows and buttons"],
    ["not JSON in a form", "[[{text:A}]]", undefined, "buttons is not valid JSON"],
    ["a button that is no object", [["Approve"]], undefined, 'row 1, button 1: expected {"text","data"} or {"text","url"}, got "Approve"'],
    ["both data and url", [{ text: "A", data: "a", url: "https://x" }], undefined, 'button 1 ("A"): give exactly one of "data" (a press becomes an event) or "url" (opens a link)'],
    ["neither data nor url", [{ text: "A" }], undefined, 'button 1 ("A"): give exactly one of "data"'],
    ["an empty label", [[{ text: "", data: "a" }]], undefined, 'row 1, button 1 (""): text: must not be empty'],
    ["a blank label", [{ text: "   ", data: "a" }], undefined, 'button 1 ("   "): text: must be a label with some visible text, got "   "'],
    ["a label of 65 characters", [{ text: label65, data: "a" }], undefined, "text: must be at most 64 characters, got 65"],
    ["no label", [{ data: "a" }], undefined, 'button 1: "text" is required (the label)'],
    ["data of 257 characters", [{ text: "A", data: "d".repeat(257) }], undefined, 'button 1 ("A"): data: must be at most 256 characters, got 257'],
    ["empty data", [{ text: "A", data: "" }], undefined, 'button 1 ("A"): data: must not be empty'],
    ["a javascript: url", [{ text: "A", url: "javascript:alert(1)" }], undefined, 'button 1 ("A"): url: must be an http:// or https:// URL, got "javascript:alert(1)"'],
    ["a file: url", [[{ text: "A", url: "file:///etc/passwd" }]], undefined, "row 1, button 1 (\"A\"): url: must be an http:// or https:// URL"],
    ["an http url without a host", [{ text: "A", url: "http://" }], undefined, 'button 1 ("A"): url must be an http:// or https:// URL, got "http://"'],
    ["a url of 2049 characters", [{ text: "A", url: `https://x.local/${"p".repeat(2033)}` }], undefined, "url: must be at most 2048 characters, got 2049"],
    ["an empty row", [[{ text: "A", data: "a" }], []], undefined, "row 2 is empty; leave it out"],
    ["9 in a row", [Array.from({ length: 9 }, (_, i) => ({ text: `B${i}`, data: `${i}` }))], undefined, "row 1 has 9 buttons; Telegram allows at most 8 in a row"],
    ["9 in a flat list", Array.from({ length: 9 }, (_, i) => ({ text: `B${i}`, data: `${i}` })), undefined, "the row has 9 buttons"],
    ["101 buttons", Array.from({ length: 13 }, (_, r) => Array.from({ length: r < 12 ? 8 : 5 }, (_, i) => ({ text: "B", data: `${r}:${i}` }))), undefined, "101 buttons; Telegram allows at most 100 under a message"],
    ["a curl line without |", undefined, ["Approve"], 'button 1 ("Approve") has no "|": write Label|data or Label|https://…'],
    ["a curl line with another scheme", undefined, ["A|a", "Site|ftp://files.local/x"], 'button 2 ("Site"): url: must be an http:// or https:// URL'],
    ["a curl line with an empty label", undefined, ["|approve"], 'button 1 (""): text: must not be empty'],
    ["both spellings", [{ text: "A", data: "a" }], ["B|b"], 'give the buttons once: "buttons" (JSON) or "button"'],
  ];
  for (const [name, buttons, lines, message] of cases) {
    test(name, () => {
      const found = refusal(() => readButtons(buttons, lines));
      expect(found.code).toBe(name === "both spellings" ? "duplicate_field" : "bad_buttons");
      expect(found.message).toContain(message);
    });
  }

  test("100 buttons (12 rows of 8 and one of 4) are accepted", () => {
    const rows = Array.from({ length: 13 }, (_, r) => Array.from({ length: r < 12 ? 8 : 4 }, (_, i) => ({ text: "B", data: `${r}:${i}` })));
    expect(readButtons(rows, undefined)!.flat()).toHaveLength(100);
  });

  test("in a notify request, reply_to and to together, or reply_to that is no event id, are refused", () => {
    expect(refusal(() => parseNotifyFields({ to: "ivanov", reply_to: "1042", text: "x" }))).toMatchObject({ code: "duplicate_field", message: expect.stringContaining('give "reply_to" or "to", not both') });
    expect(refusal(() => parseNotifyFields({ reply_to: "10a", text: "x" }))).toMatchObject({ code: "bad_reply_to" });
    expect(refusal(() => parseNotifyFields({ reply_to: -5, text: "x" }))).toMatchObject({ code: "bad_reply_to" });
    expect(refusal(() => parseNotifyFields({ to: "a", text: "x", keep_buttons: "maybe" }))).toMatchObject({ code: "bad_keep_buttons" });
  });

  test("a body's worth of curl lines is counted, and refused, before any button is checked", () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => (i % 9 === 8 ? "" : `Label ${i}|data ${i}`));
    expect(refusal(() => readButtons(undefined, lines)).message).toBe("35556 buttons; Telegram allows at most 100 under a message");
  });
});

describe("/openapi.json", () => {
  test("documents the limits the checks enforce", () => {
    const doc = JSON.parse(JSON.stringify(buildOpenApi())) as { paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: { properties: Record<string, { anyOf: Array<Record<string, unknown>> }> } }> } }>> };
    const buttons = doc.paths["/notify"]!.post!.requestBody.content["application/json"]!.schema.properties.buttons!;
    const [rows, flat] = buttons.anyOf as [{ maxItems: number; items: { maxItems: number; items: { anyOf: Array<{ properties: Record<string, Record<string, unknown>> }> } } }, { maxItems: number }];
    expect([rows.maxItems, rows.items.maxItems, flat.maxItems]).toEqual([100, 8, 8]);
    const [data, url] = rows.items.items.anyOf;
    expect([data!.properties.text!.maxLength, data!.properties.data!.maxLength, url!.properties.url!.pattern]).toEqual([64, 256, "^[Hh][Tt][Tt][Pp][Ss]?://"]);
    expect(doc.paths["/messages/{id}"]!.patch!.requestBody.content["application/json"]!.schema.properties.buttons).toEqual(buttons);
  });
});
