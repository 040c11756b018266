import { describe, expect, test } from "bun:test";
import { parseHtmlEntities } from "../../src/emulator/html-entities.ts";
import { splitText, visibleNonBlank } from "../../src/delivery/split.ts";

const visibleLength = (part: string) => parseHtmlEntities(part).text.length;

describe("splitText", () => {
  test("short text is one part, unchanged", () => {
    expect(splitText("hello <b>world</b>")).toEqual(["hello <b>world</b>"]);
  });

  test("prefers a paragraph break, then a line break, then a space", () => {
    expect(splitText("aaaa bbbb\n\ncccc dddd", { limit: 14 })).toEqual(["aaaa bbbb", "cccc dddd"]);
    expect(splitText("aaaa bbbb\ncccc dddd", { limit: 14 })).toEqual(["aaaa bbbb", "cccc dddd"]);
    expect(splitText("aaaa bbbb cccc", { limit: 10 })).toEqual(["aaaa bbbb", "cccc"]);
  });

  test("a word longer than the limit is cut, never inside a surrogate pair or an emoji sequence", () => {
    const emoji = "👍🏽".repeat(10); // each 4 UTF-16 units (thumb + skin tone)
    const parts = splitText(emoji, { limit: 10 });
    expect(parts.join("")).toBe(emoji);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(10);
      expect(part.length % 4).toBe(0);
    }
  });

  test("tags open at a cut are closed and reopened with their attributes", () => {
    const parts = splitText('<a href="https://x.example">one two three</a> <b>four</b>', { limit: 8 });
    expect(parts[0]).toBe('<a href="https://x.example">one two</a>');
    expect(parts[1]).toBe('<a href="https://x.example">three</a>');
    for (const part of parts) expect(() => parseHtmlEntities(part)).not.toThrow();
  });

  test("4096 units of Cyrillic, emoji and HTML: every part parses and fits", () => {
    const text = Array.from({ length: 400 }, (_, i) => `<b>Строка ${i}</b> — привет 😀 &amp; &lt;ok&gt;\n`).join("");
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(visibleLength(part)).toBeLessThanOrEqual(4096);
    expect(parts.map((part) => parseHtmlEntities(part).text).join("\n").trimEnd()).toBe(parseHtmlEntities(text).text.trimEnd());
  });

  test("a character reference is never split and counts as one unit", () => {
    const parts = splitText("&amp;".repeat(10), { limit: 4 });
    expect(parts).toEqual(["&amp;&amp;&amp;&amp;", "&amp;&amp;&amp;&amp;", "&amp;&amp;"]);
  });

  test("plain mode treats markup as text", () => {
    expect(splitText("<b>ab</b>", { mode: "plain", limit: 5 })).toEqual(["<b>ab", "</b>"]);
    expect(visibleNonBlank("<b>x</b>&lt;")).toBe(2);
  });

  test("an unclosed tag at the very end is left for Telegram to reject", () => {
    expect(splitText("x <b>open")).toEqual(["x <b>open"]);
  });

  // Inputs up to the body limit; a split that rescans whitespace runs or copies the tag
  // stack per step runs into the test timeout on these (20 s and 15 s before).
  test("a long run of spaces or newlines is one break, scanned once", () => {
    const spaces = " ".repeat(1 << 20);
    expect(splitText(`x${spaces}y`)).toEqual(["x", "y"]);
    expect(splitText("\n".repeat(1 << 20))).toEqual([]);
    const lines = "line\n".repeat(1 << 18);
    const parts = splitText(lines);
    expect(parts.map((part) => part.trimEnd()).join("\n")).toBe(lines.trimEnd());
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
  });

  test("deeply nested tags are carried across cuts without copying the stack per step", () => {
    const depth = 1 << 16;
    const text = "<b>".repeat(depth) + "word ".repeat(2000) + "</b>".repeat(depth);
    const parts = splitText(text);
    expect(parts.length).toBe(3);
    for (const part of parts) expect(() => parseHtmlEntities(part)).not.toThrow();
    expect(parts.map((part) => parseHtmlEntities(part).text.trim()).join(" ")).toBe("word ".repeat(2000).trimEnd());
  });

  test("a mismatched end tag is left for Telegram to reject; the open tags stay open", () => {
    expect(splitText("<b><i>one</b> two</i></b>", { limit: 4 })).toEqual(["<b><i>one</b></i></b>", "<b><i>two</i></b>"]);
  });

  test("maxParts stops splitting early", () => {
    expect(splitText("a b c d e f", { limit: 1, maxParts: 3 })).toEqual(["a", "b", "c"]);
  });
});
