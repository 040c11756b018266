// The markdown converter's cost: a body up to body_limit (1 MiB) is rendered before the
// part cap is checked, on the event loop, so it must stay linear on hostile inputs
// (unclosed markers, many escapes, long headings, many fences), not stall every request
// and delivery for minutes. The inputs here are big enough that a quadratic converter
// would run into the test timeout; the time itself is measured by
// `npm run bench -- hostile-input`, never asserted here.
import { describe, expect, test } from "bun:test";
import { renderMarkdown, renderMarkdownPausing } from "../../src/delivery/markdown.ts";
import { formatMessage, formatMessagePausing, PAUSING_MARKDOWN_CHARS } from "../../src/delivery/format.ts";
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

describe("rendering in slices", () => {
  test("a long text renders the same, giving the event loop a turn every few thousand blocks", async () => {
    const text = "**bold** and *it* `code`\n```js\nlet a = 1;\n```\n> quoted\n# Head\n- item\n".repeat(20_000);
    let pauses = 0;
    const html = await renderMarkdownPausing(text, async () => void pauses++);
    expect(html).toBe(renderMarkdown(text));
    expect(pauses).toBeGreaterThan(20);
  });

  test("a notification's long markdown goes through the slices; a short one renders at once", async () => {
    let pauses = 0;
    const pause = async () => void pauses++;
    const long = "*x*\n".repeat(PAUSING_MARKDOWN_CHARS);
    expect(await formatMessagePausing({ text: long, format: "markdown", title: "T" }, pause)).toBe(formatMessage({ text: long, format: "markdown", title: "T" }));
    expect(pauses).toBeGreaterThan(0);
    pauses = 0;
    await formatMessagePausing({ text: "*x*", format: "markdown" }, pause);
    await formatMessagePausing({ text: long, format: "text" }, pause);
    expect(pauses).toBe(0);
  });
});
