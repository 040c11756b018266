// The markdown converter's cost: a body up to body_limit (1 MiB) is rendered before the
// part cap is checked, on the event loop, so it must stay linear on hostile inputs
// (unclosed markers, many escapes), not stall every request and delivery for minutes.
import { describe, expect, test } from "bun:test";
import { renderMarkdown } from "../../src/delivery/markdown.ts";
import { parseHtmlEntities } from "../../src/emulator/html-entities.ts";

describe("markdown on hostile inputs", () => {
  const units = ["*a ", "_a ", "**a ", "~~a ", "||a ", "`a ", "[a ", "\\* ", "*a* ", "[x](https://e.x) *", "**a *b ", "a*b "];
  for (const unit of units) {
    test(`${JSON.stringify(unit)} repeated to ~200k characters renders in linear time`, () => {
      const source = unit.repeat(Math.ceil(200_000 / unit.length));
      const started = performance.now();
      const html = renderMarkdown(source);
      expect(performance.now() - started).toBeLessThan(400);
      expect(() => parseHtmlEntities(html)).not.toThrow();
    });
  }

  test("the results of nested and unclosed markers stay valid HTML", () => {
    for (const input of ["*a *b* c*", "**a **b** c**", "[a [b](https://x.y)", "*italic **bold** inside*", "*a `x*y` b*", "*a \\* b*", "~~a ~~b~~"]) {
      expect(() => parseHtmlEntities(renderMarkdown(input))).not.toThrow();
    }
  });
});
