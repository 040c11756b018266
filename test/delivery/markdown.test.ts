// The markdown converter's cost: a body up to body_limit (1 MiB) is rendered before the
// part cap is checked, on the event loop, so it must stay linear on hostile inputs
// (unclosed markers, many escapes, long headings, many fences), not stall every request
// and delivery for minutes. The inputs here are big enough that a quadratic converter
// would run into the test timeout; the time itself is measured by
// `npm run bench -- hostile-input`, never asserted here.
import { describe, expect, test } from "bun:test";
import { CHUNK_WORK, markdownChunks, renderMarkdown } from "../../src/delivery/markdown.ts";
import { parseHtmlEntities } from "../../src/emulator/html-entities.ts";

describe("markdown on hostile inputs", () => {
  const units = ["*a ", "_a ", "**a ", "~~a ", "||a ", "`a ", "[a ", "\\* ", "*a* ", "[x](https://e.x) *", "**a *b ", "a*b "];
  for (const unit of units) {
    test(`${JSON.stringify(unit)} repeated to ~200k characters renders in linear time`, () => {
      const source = unit.repeat(Math.ceil(200_000 / unit.length));
      expect(() => parseHtmlEntities(renderMarkdown(source))).not.toThrow();
    });
  }

  test("the results of nested and unclosed markers stay valid HTML", () => {
    for (const input of ["*a *b* c*", "**a **b** c**", "[a [b](https://x.y)", "*italic **bold** inside*", "*a `x*y` b*", "*a \\* b*", "~~a ~~b~~"]) {
      expect(() => parseHtmlEntities(renderMarkdown(input))).not.toThrow();
    }
  });

  test("a heading with a long run of spaces keeps its words (its regex was cubic: 5 KB took 46 s)", () => {
    const spaces = " ".repeat(1 << 20);
    expect(renderMarkdown(`# a${spaces}b`)).toBe(`<b>a${spaces}b</b>`);
    expect(renderMarkdown(`# a${spaces}#${spaces}`)).toBe("<b>a</b>");
    expect(renderMarkdown(`# ${"#".repeat(1 << 20)}`)).toBe("");
  });

  test("a closing run of # needs whitespace before it, as in CommonMark", () => {
    expect(renderMarkdown("# C#")).toBe("<b>C#</b>");
    expect(renderMarkdown("## Status ##")).toBe("<b>Status</b>");
    expect(renderMarkdown("#")).toBe("#");
    expect(renderMarkdown("#tag")).toBe("#tag");
  });

  test("a quarter of a million fences pair up in one pass (each used to search from the first line); empty blocks leave no markup", () => {
    const html = renderMarkdown("```\nx\n```\n".repeat(1 << 17));
    expect(html.split("<pre>x</pre>").length - 1).toBe(1 << 17);
    expect(renderMarkdown("```\n".repeat(1 << 18)).trim()).toBe("");
    const unclosed = renderMarkdown("```js\n".repeat(1 << 17));
    expect(unclosed.split("\n").filter((line) => line === "```js")).toHaveLength(1 << 17);
  });
});

describe("rendering in chunks", () => {
  test("the chunks join to the whole HTML; a chunk holds about CHUNK_WORK lines or inline attempts", () => {
    const text = "**bold** and *it* `code`\n```js\nlet a = 1;\n```\n> quoted\n> [a *b*](https://x.y)\n# Head\n- item\n".repeat(CHUNK_WORK);
    const chunks = [...markdownChunks(text)];
    expect(chunks.join("")).toBe(renderMarkdown(text));
    expect(chunks.length).toBeGreaterThan(8);
    expect(renderMarkdown(text)).toContain('<blockquote>quoted\n<a href="https://x.y">a <i>b</i></a></blockquote>');
  });

  test("one long line is handed out in chunks too, and so are half a million short ones; blank lines stay as they are", () => {
    const line = "**a *b _c ~~d ||e `f [g ".repeat(CHUNK_WORK);
    const chunks = [...markdownChunks(line)];
    expect(chunks.length).toBeGreaterThan(4);
    expect(chunks.join("")).toBe(renderMarkdown(line));
    expect([...markdownChunks("# a\n".repeat(1 << 19))].length).toBeGreaterThan(32);
    expect(renderMarkdown(" \n\t\n".repeat(1 << 18))).toBe(" \n\t\n".repeat(1 << 18));
    expect(renderMarkdown("a\n\n\n> b\n\n\n\nc\n")).toBe("a\n\n\n<blockquote>b</blockquote>\n\n\n\nc\n");
  });
});
