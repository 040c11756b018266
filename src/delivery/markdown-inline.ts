// The inline half of format=markdown (markdown.ts reads the blocks): **bold** __bold__
// *italic* _italic_ ~~strike~~ ||spoiler|| `code` [label](https://...) and \* escapes.
// A line can be a megabyte long, so a text is rendered in steps of a bounded number of
// attempts (InlineRun.step), and each attempt reads about as far as the next place the
// same rule is tried: linear, however the markers are placed.
import { escapeAttribute, escapeHtml } from "./html.ts";

interface InlineRule {
  /** The character every match starts with. */
  opener: string;
  /** Sticky: tried exactly where an opener stands. */
  pattern: RegExp;
  render(match: RegExpExecArray): Rendered;
}

/** A rule's output: finished HTML, or a tag pair around inline text still to be rendered. */
type Rendered = string | { open: string; inner: string; close: string };

const wrap = (tag: string, inner: string, open = tag): Rendered => ({ open: `<${open}>`, inner, close: `</${tag}>` });

// Order breaks ties between matches at the same position: "**" before "*", "__" before "_".
// A span's content never runs past the next opener of its own marker (it could not close
// across it anyway) and a link label holds no "[": so a failed attempt stops at the next
// place the same rule is tried, and the attempts of one rule read a line about once.
const INLINE_RULES: InlineRule[] = [
  { opener: "\\", pattern: /\\([\\`*_~[\]()|>#+\-.!])/y, render: (m) => escapeHtml(m[1]!) },
  { opener: "`", pattern: /`([^`\n]+)`/y, render: (m) => `<code>${escapeHtml(m[1]!)}</code>` },
  {
    opener: "[",
    pattern: /\[([^[\]\n]+)\]\(((?:https?:\/\/|tg:\/\/|mailto:)[^\s()]+)\)/y,
    render: (m) => ({ open: `<a href="${escapeAttribute(m[2]!)}">`, inner: m[1]!, close: "</a>" }),
  },
  { opener: "*", pattern: /\*\*(?=\S)((?:(?!\*\*\S)[\s\S])*?\S)\*\*/y, render: (m) => wrap("b", m[1]!) },
  { opener: "_", pattern: /__(?=\S)((?:(?!__\S)[\s\S])*?\S)__/y, render: (m) => wrap("b", m[1]!) },
  { opener: "~", pattern: /~~(?=\S)((?:(?!~~\S)[\s\S])*?\S)~~/y, render: (m) => wrap("s", m[1]!) },
  { opener: "|", pattern: /\|\|(?=\S)((?:(?!\|\|\S)[\s\S])*?\S)\|\|/y, render: (m) => wrap("tg-spoiler", m[1]!) },
  {
    opener: "*",
    pattern: /(?<![\p{L}\p{N}*])\*(?=[^\s*])((?:(?!(?<![\p{L}\p{N}*])\*[^\s*])[\s\S])*?[^\s*])\*(?![\p{L}\p{N}*])/uy,
    render: (m) => wrap("i", m[1]!),
  },
  {
    opener: "_",
    pattern: /(?<![\p{L}\p{N}_])_(?=[^\s_])((?:(?!(?<![\p{L}\p{N}_])_[^\s_])[\s\S])*?[^\s_])_(?![\p{L}\p{N}_])/uy,
    render: (m) => wrap("i", m[1]!),
  },
];

/** The rules to try where a character stands, in INLINE_RULES' order. */
const RULES_AT = new Map<string, InlineRule[]>();
for (const rule of INLINE_RULES) RULES_AT.set(rule.opener, [...(RULES_AT.get(rule.opener) ?? []), rule]);

/** Where the next attempt could start; a text without one is plain. */
const OPENER = /[\\`[*_~|]/g;

/** One level of nesting: the text of a line or of a match's content, read up to `at`. */
interface Frame {
  source: string;
  /** Text before this index is rendered. */
  done: number;
  /** The next attempt starts at or after this index (no match starts between `done` and it). */
  at: number;
  /** Markup closing this level (the tag its match opened). */
  close: string;
}

/**
 * The inline markup of one text, rendered in steps: the earliest match of any rule is taken
 * and its content rendered the same way (a stack of frames, not recursion), so tags always
 * nest properly, and `step` can stop after any number of attempts and go on later.
 */
export class InlineRun {
  readonly #frames: Frame[];

  constructor(source: string) {
    this.#frames = [{ source, done: 0, at: 0, close: "" }];
  }

  get finished(): boolean {
    return this.#frames.length === 0;
  }

  /** The HTML of up to `budget` more attempts (at least one); `tried` says how many were made. */
  step(budget: number): { html: string; tried: number } {
    const frames = this.#frames;
    let html = "";
    let tried = 0;
    while (frames.length > 0 && tried < budget) {
      const frame = frames[frames.length - 1]!;
      OPENER.lastIndex = frame.at;
      const opener = OPENER.exec(frame.source);
      if (!opener) {
        html += escapeHtml(frame.source.slice(frame.done)) + frame.close;
        frames.pop();
        continue;
      }
      tried++;
      const found = matchAt(frame.source, opener.index, opener[0]);
      if (!found) {
        frame.at = opener.index + 1;
        continue;
      }
      html += escapeHtml(frame.source.slice(frame.done, opener.index));
      frame.done = frame.at = opener.index + found.match[0].length;
      const rendered = found.rule.render(found.match);
      if (typeof rendered === "string") html += rendered;
      else {
        html += rendered.open;
        frames.push({ source: rendered.inner, done: 0, at: 0, close: rendered.close });
      }
    }
    // Text the attempts passed over is final: out with it, so every step yields its share.
    const frame = frames[frames.length - 1];
    if (frame) {
      html += escapeHtml(frame.source.slice(frame.done, frame.at));
      frame.done = frame.at;
    }
    return { html, tried };
  }
}

/** The first rule (in order) that matches at `index`, where `char` stands. */
function matchAt(source: string, index: number, char: string): { rule: InlineRule; match: RegExpExecArray } | undefined {
  for (const rule of RULES_AT.get(char) ?? []) {
    rule.pattern.lastIndex = index;
    const match = rule.pattern.exec(source);
    if (match) return { rule, match };
  }
  return undefined;
}

/** Whether `source` has a character some rule starts with (without one, it is plain text). */
export function hasInlineMarkers(source: string): boolean {
  OPENER.lastIndex = 0;
  return OPENER.test(source);
}
