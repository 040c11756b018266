import { describe, expect, test } from "bun:test";
import { parseHtmlEntities } from "../../src/emulator/html-entities.ts";
import { formatMessage, formatMessageWithin, SHORT_MARKDOWN, type Format } from "../../src/delivery/format.ts";
import { visibleNonBlank } from "../../src/delivery/split.ts";
import { escapeHtml } from "../../src/delivery/html.ts";
import { CHUNK_WORK, renderMarkdown } from "../../src/delivery/markdown.ts";

describe("formatMessage", () => {
  test("text is escaped; the title is bold on its own line", () => {
    expect(formatMessage({ text: "a < b & c > d", format: "text", title: "<T>" })).toBe("<b>&lt;T&gt;</b>\na &lt; b &amp; c &gt; d");
    expect(escapeHtml("&lt;")).toBe("&amp;lt;");
  });

  test("html passes through", () => {
    expect(formatMessage({ text: "<i>x</i>", format: "html" })).toBe("<i>x</i>");
  });
});

describe("formatMessageWithin: request text up to the body limit", () => {
  const counting = (maxVisible = Number.POSITIVE_INFINITY) => {
    const limits = { pauses: 0, maxVisible, pause: async () => void limits.pauses++ };
    return limits;
  };

  test("gives formatMessage's HTML in every format; long markdown pauses every few thousand pieces, short text never", async () => {
    const long = "**bold** and *it* `code`\n```js\nlet a = 1;\n```\n> quoted\n# Head\n- item\n".repeat(5_000);
    for (const format of ["text", "html", "markdown"] as Format[]) {
      for (const text of ["*x* <i>y</i> & z", long]) {
        const limits = counting();
        expect(await formatMessageWithin({ text, format, title: "T" }, limits)).toBe(formatMessage({ text, format, title: "T" }));
        expect(limits.pauses > 0).toBe(format === "markdown" && text === long);
      }
    }
    const limits = counting();
    await formatMessageWithin({ text: long, format: "markdown" }, limits);
    expect(limits.pauses).toBeGreaterThan((5_000 * 8) / CHUNK_WORK);
    expect(long.length).toBeGreaterThan(SHORT_MARKDOWN);
  });

  test("more visible non-blank characters than maxVisible, the title's included, is undefined; whitespace and tags do not count", async () => {
    const text = "ab cd\u00a0\n".repeat(10);
    expect(visibleNonBlank(text)).toBe(40);
    for (const format of ["text", "html", "markdown"] as Format[]) {
      expect(await formatMessageWithin({ text, format }, counting(40))).toBe(formatMessage({ text, format }));
      expect(await formatMessageWithin({ text, format }, counting(39))).toBeUndefined();
      // The title shows "T" above the text: one more.
      expect(await formatMessageWithin({ text, format, title: "T" }, counting(41))).toBe(formatMessage({ text, format, title: "T" }));
      expect(await formatMessageWithin({ text, format, title: "T" }, counting(40))).toBeUndefined();
    }
    // Markup that shows nothing is not counted: it is no reason to refuse (it is empty_text, or one message).
    const emptyQuotes = ">\n\n".repeat(20_000);
    expect(await formatMessageWithin({ text: emptyQuotes, format: "markdown" }, counting(1))).toBe(formatMessage({ text: emptyQuotes, format: "markdown" }));
    const tags = "a".repeat(4096) + " " + "<b></b>".repeat(12_000);
    expect(await formatMessageWithin({ text: tags, format: "html" }, counting(4096))).toBe(tags);
  });

  test("a hostile megabyte line stops rendering at the cap, not at its end", async () => {
    const line = "**a *b _c ~~d ||e `f [g ".repeat(1 << 16);
    const whole = counting();
    const capped = counting(20 * 4096);
    expect(await formatMessageWithin({ text: line, format: "markdown" }, whole)).toBe(formatMessage({ text: line, format: "markdown" }));
    expect(await formatMessageWithin({ text: line, format: "markdown" }, capped)).toBeUndefined();
    expect(whole.pauses).toBeGreaterThan(10);
    expect(capped.pauses).toBeLessThan(whole.pauses / 5);
  });

  test("visibleNonBlank counts what trim() keeps; a tag is free, a character reference one", () => {
    for (let code = 0; code <= 0xffff; code++) {
      const char = String.fromCharCode(code);
      expect([code, visibleNonBlank(char)]).toEqual([code, char.trim() === "" ? 0 : 1]);
    }
    // a, b, c, &lt;, &#32;, a lone & and the unfinished "<i" (two characters, no tag).
    expect(visibleNonBlank('<b>a</b> <a href="x">b c</a> &lt;&#32;& <i')).toBe(8);
  });
});

describe("markdown subset", () => {
  const cases: Array<[string, string]> = [
    ["**bold** and __bold__", "<b>bold</b> and <b>bold</b>"],
    ["*it* _it_ ~~s~~ ||sp||", "<i>it</i> <i>it</i> <s>s</s> <tg-spoiler>sp</tg-spoiler>"],
    ["`a<b>` stays code", "<code>a&lt;b&gt;</code> stays code"],
    ["[site](https://x.example/?a=1&b=2)", '<a href="https://x.example/?a=1&amp;b=2">site</a>'],
    ["[bad](javascript:alert(1))", "[bad](javascript:alert(1))"],
    ["snake_case_name and 2*3*4 and a * b", "snake_case_name and 2*3*4 and a * b"],
    ["\\*not italic\\*", "*not italic*"],
    ["# Heading", "<b>Heading</b>"],
    ["- one\n* two", "• one\n• two"],
    ["> quoted\n> more", "<blockquote>quoted\nmore</blockquote>"],
    ["```sh\nrm -rf <dir>\n```", '<pre><code class="language-sh">rm -rf &lt;dir&gt;</code></pre>'],
    ["**bold *nested* bold**", "<b>bold <i>nested</i> bold</b>"],
    ["unclosed **bold and `tick", "unclosed **bold and `tick"],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => {
      const html = renderMarkdown(input);
      expect(html).toBe(expected);
      expect(() => parseHtmlEntities(html)).not.toThrow();
    });
  }

  test("overlapping markers never produce invalid HTML", () => {
    for (const input of ["**a *b** c*", "*a **b* c**", "__a _b__ c_", "~~a **b~~ c**", "[**x](https://a.b)**"]) {
      expect(() => parseHtmlEntities(renderMarkdown(input))).not.toThrow();
    }
  });
});
