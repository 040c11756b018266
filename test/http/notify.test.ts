// The notify request from every input form through the one schema: typed JSON and the
// strings of forms and query strings mean the same, and every refusal names the field,
// what is wrong, and the code clients match on.
import { describe, expect, test } from "bun:test";
import { queryFields } from "../../src/http/body.ts";
import { checkKnownFields, mergeFields } from "../../src/http/fields.ts";
import { parseNotifyFields } from "../../src/http/notify.ts";
import { NotifyRequest } from "../../src/http/schemas.ts";
import { refusal } from "../helpers/refusal.ts";

describe("one schema for every input form", () => {
  test("form and query strings read as the typed JSON values", () => {
    const json = parseNotifyFields({ to: ["ivanov", "ops"], text: "disk full", format: "markdown", title: "db1", silent: true, bot: "main", topic: 42, wait: 2.5 });
    const query = queryFields(new URL("http://x/?to=ivanov&to=ops&text=disk+full&format=Markdown&title=db1&silent=yes&bot=main&topic=42&wait=2.5"));
    expect(parseNotifyFields(query)).toEqual(json);
    expect(parseNotifyFields({ ...query, to: "ivanov, ops,ivanov", silent: "" })).toEqual(json);
  });

  test("defaults: text format, not silent, wait 10 s; blank optional fields count as not given", () => {
    expect(parseNotifyFields({ to: "ivanov", text: "x", title: "  ", bot: "", topic: "", wait: null })).toEqual({
      input: { to: ["ivanov"], text: "x", format: "text", silent: false },
      wait: 10,
      as: "auto",
    });
  });

  test("recipient lists are deduplicated in one pass, whatever their size", () => {
    const names = Array.from({ length: 100_000 }, (_, i) => `user${i % 50_000}`);
    const query = queryFields(new URL(`http://x/?${names.map((name) => `to=${name}`).join("&")}&text=x`));
    expect((query.to as string[]).length).toBe(100_000);
    const { input } = parseNotifyFields(query);
    expect(input.to.length).toBe(50_000);
    expect(input.to.slice(0, 2)).toEqual(["user0", "user1"]);
  });
});

describe("refusals name the field and what is wrong", () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ["no recipient", { text: "x" }, "missing_recipient", 'no recipient: give "to"'],
    ["only commas", { to: " , ", text: "x" }, "missing_recipient", 'no recipient: give "to"'],
    ["a number as recipient", { to: 5, text: "x" }, "bad_recipient", "to: expected users and/or groups"],
    ["no text", { to: "a" }, "empty_text", 'no text: give "text"'],
    ["blank text", { to: "a", text: " \n " }, "empty_text", "Telegram does not deliver empty messages"],
    ["text not a string", { to: "a", text: 5 }, "bad_text", "text: expected a string, got 5"],
    ["unknown format", { to: "a", text: "x", format: "markdownv2" }, "bad_format", 'format: must be one of text, html, markdown; got "markdownv2"; did you mean "markdown"?'],
    ["long title", { to: "a", text: "x", title: "t".repeat(257) }, "bad_title", "title: must be at most 256 characters, got 257"],
    ["silent maybe", { to: "a", text: "x", silent: "maybe" }, "bad_silent", 'silent: expected true or false, got "maybe"'],
    ["bot not a string", { to: "a", text: "x", bot: 7 }, "bad_bot", "bot: expected a string, got 7"],
    ["negative topic", { to: "a", text: "x", topic: -3 }, "bad_topic", "topic: must be at least 1, got -3"],
    ["fractional topic", { to: "a", text: "x", topic: "1.5" }, "bad_topic", "topic: expected a whole number, got 1.5"],
    ["wait too long", { to: "a", text: "x", wait: "61" }, "bad_wait", "wait: must be from 0 to 60, got 61"],
    ["wait not a number", { to: "a", text: "x", wait: "soon" }, "bad_wait", 'wait: expected a number, got "soon"'],
  ];
  for (const [name, fields, code, message] of cases) {
    test(name, () => {
      const found = refusal(() => parseNotifyFields(fields));
      expect(found.code).toBe(code);
      expect(found.message).toContain(message);
    });
  }

  test("an unknown field, with did-you-mean and the list of fields", () => {
    expect(refusal(() => checkKnownFields(NotifyRequest, { txt: "x" }, "body"))).toEqual({
      code: "unknown_field",
      message: 'unknown field "txt" in the body; did you mean "text"?; fields: to, text, format, title, silent, bot, topic, wait, buttons, button, keep_buttons, reply_to, at, delay, attachments, as',
    });
  });

  test("a long unknown field name is cut short in the message and gets no suggestion", () => {
    const { message } = refusal(() => checkKnownFields(NotifyRequest, { ["text".repeat(100_000)]: "x" }, "query string"));
    // The message is the cut name and the list of fields; the fields alone are ~150 characters now.
    const fields = Object.keys(NotifyRequest.properties).join(", ");
    expect(message.length).toBeLessThan(fields.length + 100);
    expect(message).not.toContain("did you mean");
  });

  test("a field given twice", () => {
    expect(refusal(() => mergeFields([["query string", { title: "a" }], ["body", { title: "b" }]]))).toEqual({
      code: "duplicate_field",
      message: '"title" is given both in the query string and in the body; give it once',
    });
  });
});
