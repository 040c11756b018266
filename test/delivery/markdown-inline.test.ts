// The inline renderer in steps: stopped after any number of attempts and resumed, it
// gives the same HTML as in one go, and every step hands out the text it passed over.
import { expect, test } from "bun:test";
import { hasInlineMarkers, InlineRun, MAX_SPAN } from "../../src/delivery/markdown-inline.ts";
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

test(`a span longer than ${MAX_SPAN} characters, markers included, is shown as written; one of ${MAX_SPAN} is formatted`, () => {
  const inner = (length: number) => "a".repeat(length - 4);
  expect(renderMarkdown(`**${inner(MAX_SPAN)}**`)).toBe(`<b>${inner(MAX_SPAN)}</b>`);
  expect(renderMarkdown(`**${inner(MAX_SPAN + 1)}**`)).toBe(`**${inner(MAX_SPAN + 1)}**`);
  expect(renderMarkdown(`x [${inner(MAX_SPAN)}](https://e.x/${"p".repeat(10)})`)).toStartWith("x [");
});

test("the window an attempt sees decides as the whole text does: letters around it, even as surrogate pairs", () => {
  const far = "y ".repeat(3000);
  // 𝐀 (U+1D400, two code units) is a letter: "*" right after it opens nothing, as "_" after "a" does not.
  expect(renderMarkdown(`${far}𝐀*b* c`)).toBe(`${far}𝐀*b* c`);
  expect(renderMarkdown(`${far}a_b_ c`)).toBe(`${far}a_b_ c`);
  expect(renderMarkdown(`${far}*b*𝐀 c`)).toBe(`${far}*b*𝐀 c`);
  expect(renderMarkdown(`${far}*b* c`)).toBe(`${far}<i>b</i> c`);
});

test("megabyte lines whose attempts read far are read in steps of bounded work", () => {
  // Each once took 0.3–1.7 s in one go: a real opener whose tempered content read to the end.
  for (const line of ["**a " + "b".repeat(1 << 20), "_a".repeat(1 << 19), "**a __b ~~c ||d [e *f _g " + "h ".repeat(1 << 19) + "g_ f*](http://x) d|| c~~ b__ a**"]) {
    const run = new InlineRun(line);
    let steps = 0;
    while (!run.finished) {
      run.step(64);
      steps++;
    }
    expect(steps).toBeGreaterThan(4);
  }
});
