// ntfy's Actions, both spellings (docs.ntfy.sh "Action buttons"): view actions become URL
// buttons; what a Telegram button cannot do is refused, naming the action and why.
import { describe, expect, test } from "bun:test";
import { readNtfyActions } from "../../../src/http/compat/ntfy-actions.ts";
import { refusal } from "../../helpers/refusal.ts";

describe("view actions become link buttons", () => {
  test("the short form, and key=value in any order", () => {
    expect(readNtfyActions("view, Open portal, https://home.nest.com/, clear=true")).toEqual([{ text: "Open portal", url: "https://home.nest.com/" }]);
    expect(readNtfyActions("action=view, url=https://google.com, label=Open Google")).toEqual([{ text: "Open Google", url: "https://google.com" }]);
  });

  test("several actions split by ';' and quoted values with commas, semicolons and escaped quotes", () => {
    expect(readNtfyActions(`view, "Look ma, commas; and \\"quotes\\" too", https://a.example/1; view, 'Its', https://b.example/2`)).toEqual([
      { text: 'Look ma, commas; and "quotes" too', url: "https://a.example/1" },
      { text: "Its", url: "https://b.example/2" },
    ]);
  });

  test("the JSON form, in a header or from JSON publishing", () => {
    const json = [{ action: "view", label: "Open Twitter", url: "https://twitter.com/x", clear: true }];
    expect(readNtfyActions(JSON.stringify(json))).toEqual([{ text: "Open Twitter", url: "https://twitter.com/x" }]);
    expect(readNtfyActions(json)).toEqual([{ text: "Open Twitter", url: "https://twitter.com/x" }]);
  });

  test("action names in any case; headers.* and extras.* keys are taken (and unused)", () => {
    expect(readNtfyActions("VIEW, Open, https://x.example, headers.Authorization=Bearer x")).toEqual([{ text: "Open", url: "https://x.example" }]);
  });
});

describe("refusals", () => {
  const cases: Array<[string, string | unknown[], string]> = [
    ["an http action", "http, Close door, https://api.example/door, method=PUT", 'Actions: action 1 is "http": a Telegram button cannot act on the phone'],
    ["a broadcast action", "broadcast, Take picture, extras.cmd=pic", 'action 1 is "broadcast"'],
    ["a copy action", [{ action: "copy", label: "Copy", value: "123" }], 'action 1 is "copy"'],
    ["an unknown action", "dance, Go, https://x.example", 'Actions: action 1: "dance" is not an ntfy action (view, broadcast, http, copy)'],
    ["no label", [{ action: "view", url: "https://x.example" }], 'action 1: "label" is required'],
    ["no url", "view, Open", 'action 1 ("Open"): "url" is required for a view action'],
    ["a mailto link", "view, Mail, mailto:phil@example.com", 'action 1 ("Mail"): "mailto:phil@example.com" is not an http:// or https:// URL'],
    ["a geo link (quoted, as its comma needs)", 'view, Map, "geo:0,0?q=1600"', 'action 1 ("Map"): "geo:0,0?q=1600" is not an http:// or https:// URL'],
    ["a label over 64 characters", `view, ${"L".repeat(65)}, https://x.example`, "the label must have 1 to 64 characters"],
    ["four actions", "view, a, https://a.x; view, b, https://b.x; view, c, https://c.x; view, d, https://d.x", "Actions: 4 actions; ntfy allows at most 3"],
    ["an unclosed quote", 'view, "Open, https://x.example', "a quote opened at position 7 is never closed"],
    ["text after a quoted value", 'view, "Open" now, https://x.example', 'unexpected "n" at position 14'],
    ["an unknown key", "view, Open, https://x.example, colour=red", 'key "colour" unknown'],
    ["a fourth unnamed field", "view, Open, https://x.example, extra", 'term "extra" has no key'],
    ["broken JSON", "[{", "Actions: not valid JSON"],
    ["JSON that is not a list", [5], "action 1: expected an object"],
  ];
  for (const [name, input, message] of cases) {
    test(name, () => {
      const found = refusal(() => readNtfyActions(input));
      expect(found.code).toBe("bad_actions");
      expect(found.message).toContain(message);
    });
  }
});

test("a megabyte of actions text is scanned once", () => {
  const label = "x".repeat(1_000_000);
  expect(refusal(() => readNtfyActions(`view, ${label}, https://x.example`)).message).toContain("the label must have 1 to 64 characters");
  expect(refusal(() => readNtfyActions(`${"k".repeat(1_000_000)} https://x.example`)).code).toBe("bad_actions");
});
