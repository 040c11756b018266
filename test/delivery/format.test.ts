import { describe, expect, test } from "bun:test";
import { parseHtmlEntities } from "../../src/emulator/html-entities.ts";
import { formatMessage } from "../../src/delivery/format.ts";
import { escapeHtml } from "../../src/delivery/html.ts";
import { renderMarkdown } from "../../src/delivery/markdown.ts";

describe("formatMessage", () => {
  test("text is escaped; the title is bold on its own line", () => {
    expect(formatMessage({ text: "a < b & c > d", format: "text", title: "<T>" })).toBe("<b>&lt;T&gt;</b>\na &lt; b &amp; c &gt; d");
    expect(escapeHtml("&lt;")).toBe("&amp;lt;");
  });

  test("html passes through", () => {
    expect(formatMessage({ text: "<i>x</i>", format: "html" })).toBe("<i>x</i>");
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
