// PATCH /messages/{id}'s fields: what an edit may change, read the same from JSON, a form
// and the query string, and each refusal with its code.
import { describe, expect, test } from "bun:test";
import { queryFields } from "../../src/http/body.ts";
import { checkKnownFields } from "../../src/http/fields.ts";
import { parseEditFields } from "../../src/http/messages.ts";
import { EditRequest } from "../../src/http/schemas.ts";
import { refusal } from "../helpers/refusal.ts";

describe("an edit", () => {
  test("text with its format and title, buttons, wait; JSON and form read the same", () => {
    const json = parseEditFields({ text: "**paid**", format: "markdown", title: "Invoice 1042", buttons: [[{ text: "Receipt", url: "https://erp.local/r" }]], wait: 2 });
    const form = parseEditFields(queryFields(new URL("http://x/?text=**paid**&format=Markdown&title=Invoice+1042&button=Receipt|https://erp.local/r&wait=2")));
    expect(form).toEqual(json);
    expect(json).toEqual({ input: { text: "**paid**", format: "markdown", title: "Invoice 1042", buttons: [[{ text: "Receipt", url: "https://erp.local/r" }]] }, wait: 2 });
  });

  test("buttons only, or [] to remove them; text only leaves buttons undefined (the notifier decides)", () => {
    expect(parseEditFields({ buttons: "[]" })).toEqual({ input: { format: "text", buttons: [] }, wait: 10 });
    expect(parseEditFields({ text: "done" }).input).toEqual({ text: "done", format: "text" });
  });
});

describe("refusals", () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ["nothing to change", {}, "bad_edit", 'nothing to change: give "text" and/or "buttons"'],
    ["only wait", { wait: 1 }, "bad_edit", "nothing to change"],
    ["a title without text", { title: "x", buttons: [] }, "bad_edit", 'format and title apply to a new text; give "text" as well'],
    ["a format without text", { format: "html" }, "bad_edit", "format and title apply to a new text"],
    ["a blank text", { text: "  " }, "empty_text", "text is empty"],
    ["bad buttons", { buttons: [{ text: "x", url: "javascript:alert(1)" }] }, "bad_buttons", "url: must be an http:// or https:// URL"],
    ["text not a string", { text: 5 }, "bad_text", "text: expected a string, got 5"],
    ["wait too long", { text: "x", wait: 61 }, "bad_wait", "wait: must be from 0 to 60, got 61"],
  ];
  for (const [name, fields, code, message] of cases) {
    test(name, () => {
      const found = refusal(() => parseEditFields(fields));
      expect(found.code).toBe(code);
      expect(found.message).toContain(message);
    });
  }

  test("fields an edit cannot change are unknown, with did-you-mean", () => {
    expect(refusal(() => checkKnownFields(EditRequest, { to: "petrov" }, "body"))).toEqual({
      code: "unknown_field",
      message: 'unknown field "to" in the body; fields: text, format, title, buttons, button, wait',
    });
    expect(refusal(() => checkKnownFields(EditRequest, { keep_buttons: true }, "body")).message).toContain('unknown field "keep_buttons"');
  });
});
