// The inline renderer in steps: stopped after any number of attempts and resumed, it
// gives the same HTML as in one go, and every step hands out the text it passed over.
import { expect, test } from "bun:test";
import { hasInlineMarkers, InlineRun } from "../../src/delivery/markdown-inline.ts";
import { renderMarkdown } from "../../src/delivery/markdown.ts";

function stepped(source: string, budget: number): { html: string; steps: number } {
  const run = new InlineRun(source);
  let html = "";
  let steps = 0;
  while (!run.finished) {
    const step = run.step(budget);
    expect(step.tried).toBeLessThanOrEqual(budget);
    html += step.html;
    steps++;
  }
  return { html, steps };
}

test("resumed after every attempt, or after a few, the HTML is the same as in one go", () => {
  const samples = ["**bold *it* `c*o*de`** and [a **b**](https://x.y) \\* _x_ ~~s~~ ||sp||", "**a *b _c ~~d ||e `f [g ".repeat(50), "snake_case_name 2*3*4 a * b", "<&> plain"];
  for (const source of samples) {
    const whole = stepped(source, Number.POSITIVE_INFINITY);
    expect(whole.html).toBe(renderMarkdown(source));
    for (const budget of [1, 2, 7]) expect(stepped(source, budget).html).toBe(whole.html);
  }
});

test("a long line takes many steps, each with its share of the text", () => {
  const source = "*a ".repeat(10_000);
  const run = new InlineRun(source);
  const first = run.step(100);
  expect(first.tried).toBe(100);
  // Up to and with the 100th opener tried (and passed over).
  expect(first.html).toBe("*a ".repeat(99) + "*");
  expect(stepped(source, 100).steps).toBeGreaterThan(90);
});

test("hasInlineMarkers: only the characters a rule starts with", () => {
  for (const marked of ["a*b", "x_", "~", "|", "`", "[", "\\"]) expect(hasInlineMarkers(marked)).toBe(true);
  for (const plain of ["plain text", "a - b # c > d ( ) ] !"]) expect(hasInlineMarkers(plain)).toBe(false);
});
