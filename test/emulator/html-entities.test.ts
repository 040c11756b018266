import { describe, expect, test } from "bun:test";
import { EntityParseError, parseHtmlEntities } from "../../src/emulator/html-entities.ts";

const failure = (markup: string): string => {
  try {
    parseHtmlEntities(markup);
  } catch (error) {
    if (error instanceof EntityParseError) return error.message;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(markup)} to be rejected`);
};

describe("parseHtmlEntities: accepted markup", () => {
  test("every supported tag becomes its entity", () => {
    const { text, entities } = parseHtmlEntities(
      '<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>' +
        '<span class="tg-spoiler">p</span><tg-spoiler>q</tg-spoiler><a href="https://x.org/?a=1&amp;b=2">l</a>' +
        '<code>c</code><pre>r</pre><blockquote>q</blockquote><blockquote expandable>x</blockquote>' +
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
    );
    expect(text).toBe("bsieunskdpqlcrqx👍");
    expect(entities.map((e) => e.type)).toEqual([
      "bold", "bold", "italic", "italic", "underline", "underline", "strikethrough", "strikethrough",
      "strikethrough", "spoiler", "spoiler", "text_link", "code", "pre", "blockquote", "expandable_blockquote",
      "custom_emoji",
    ]);
    expect(entities.find((e) => e.type === "text_link")?.url).toBe("https://x.org/?a=1&b=2");
    expect(entities.at(-1)).toEqual({ type: "custom_emoji", offset: 16, length: 2, custom_emoji_id: "5368324170671202286" });
  });

  test("offsets and lengths are UTF-16 code units; nesting gives outer entity first", () => {
    const { text, entities } = parseHtmlEntities("😀 <b>Ж <i>ok</i></b>");
    expect(text).toBe("😀 Ж ok");
    expect(entities).toEqual([
      { type: "bold", offset: 3, length: 4 },
      { type: "italic", offset: 5, length: 2 },
    ]);
  });

  test("entities: &lt; &gt; &amp; &quot; and numeric are decoded; unknown ones stay literal", () => {
    expect(parseHtmlEntities("&lt;&gt;&amp;&quot;&#65;&#x42;").text).toBe('<>&"AB');
    // TDLib keeps unsupported named entities as text instead of failing.
    expect(parseHtmlEntities("&foo; &nbsp; a & b").text).toBe("&foo; &nbsp; a & b");
  });

  test("<pre><code class=\"language-x\"> gives the pre block a language", () => {
    const { entities } = parseHtmlEntities('<pre><code class="language-ts">let a</code></pre>');
    expect(entities).toEqual([{ type: "pre", offset: 0, length: 5, language: "ts" }]);
  });

  test("tag and attribute names are case-insensitive; empty tags produce no entity", () => {
    expect(parseHtmlEntities("<B>x</B><i></i>").entities).toEqual([{ type: "bold", offset: 0, length: 1 }]);
  });
});

describe("parseHtmlEntities: Telegram's error messages", () => {
  test("unclosed tag at the end", () => {
    expect(failure("<b>bold <i>both</i>")).toBe(`Can't find end tag corresponding to start tag "b"`);
  });

  test("unsupported tags, including a bare '<' (byte offsets are UTF-8)", () => {
    expect(failure("<div>x</div>")).toBe(`Unsupported start tag "div" at byte offset 0`);
    expect(failure("Ж < 5")).toBe(`Unsupported start tag "" at byte offset 3`);
    expect(failure("<br/>")).toBe(`Unsupported start tag "br/" at byte offset 0`);
  });

  test("mismatched, unexpected and unclosed end tags", () => {
    expect(failure("<b>x</i>")).toBe(`Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`);
    expect(failure("x</b>")).toBe("Unexpected end tag at byte offset 1");
    expect(failure("<b>x</b")).toBe("Unclosed end tag at byte offset 4");
    expect(failure("<b")).toBe("Unclosed start tag at byte offset 0");
  });

  test("attribute errors", () => {
    expect(failure('<a href>x</a>')).toBe(
      `Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0`,
    );
    expect(failure("<span>x</span>")).toBe(`Tag "span" must have class "tg-spoiler" at byte offset 0`);
    expect(failure('<a href="x>y</a>')).toBe("Unclosed start tag at byte offset 0");
  });
});
