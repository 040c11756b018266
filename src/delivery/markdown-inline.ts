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

/**
 * The longest span a rule may cover, markers included: a longer one is shown literally.
 * A failed attempt reads as far as it may (the span's lazy, lookahead-tempered content costs
 * about 0.3 µs a character), so the window bounds one attempt to about a millisecond; a
 * formatted span longer than a Telegram message is no real text's.
 */
export const MAX_SPAN = 4096;

/** Plain text escaped per unit of work: a long run without markers goes out in slices. */
export const ESCAPE_SLICE = 4096;

/** A step ends after this long even within its budget (attempts differ in cost by a thousandfold). */
const STEP_MS = 2;

/** A step, and a chunk of markdown.ts, ends once its HTML is this long (its caller counts what it shows). */
export const CHUNK_HTML = 64 * 1024;

/** One level of nesting: the text of a line or of a match's content, read up to `at`. */
interface Frame {
  source: string;
  /** Text before this index is rendered. */
  done: number;
  /** The next attempt starts at or after this index (no match starts between `done` and it). */
  at: number;
  /** The first opener at or after `at`, found once per position (-1: none left). */
  opener: number;
  /** The first "](" at or after the last "[" tried (-1: none), found once per position. */
  linkFrom?: number;
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

  /** `markup` false: the text is only escaped (a code block's), in the same slices. */
  constructor(source: string, markup = true) {
    this.#frames = [frameOf(source, "", markup ? NOT_LOOKED : NONE_LEFT)];
  }

  get finished(): boolean {
    return this.#frames.length === 0;
  }

  /**
   * The HTML of up to `budget` more units of work (attempts, or slices of plain text), of
   * STEP_MS, or of CHUNK_HTML, whichever ends first (at least one unit); `tried` says how
   * many were done.
   */
  step(budget: number): { html: string; tried: number } {
    const frames = this.#frames;
    let html = "";
    let tried = 0;
    // The clock is read from the 8th unit on (most texts take fewer), then every 8th.
    let started = -1;
    while (frames.length > 0 && tried < budget && html.length < CHUNK_HTML) {
      if ((tried & 7) === 7) {
        const now = performance.now();
        if (started < 0) started = now;
        else if (now - started >= STEP_MS) break;
      }
      const frame = frames[frames.length - 1]!;
      const opener = nextOpener(frame);
      // Plain text up to the next opener (or the end), a slice at a time.
      if (opener === -1 || opener - frame.done > ESCAPE_SLICE) {
        const end = opener === -1 ? frame.source.length : opener;
        const upTo = Math.min(end, frame.done + ESCAPE_SLICE);
        html += escapeHtml(frame.source.slice(frame.done, upTo));
        frame.done = upTo;
        frame.at = Math.max(frame.at, upTo);
        tried++;
        if (upTo === frame.source.length) {
          html += frame.close;
          frames.pop();
        }
        continue;
      }
      tried++;
      const found = matchAt(frame, opener);
      if (!found) {
        frame.at = opener + 1;
        continue;
      }
      html += escapeHtml(frame.source.slice(frame.done, opener));
      frame.done = frame.at = opener + found.length;
      const rendered = found.rule.render(found.match);
      if (typeof rendered === "string") html += rendered;
      else {
        html += rendered.open;
        frames.push(frameOf(rendered.inner, rendered.close));
      }
    }
    // Text the attempts passed over is final: out with it, so every step yields its share.
    const frame = frames[frames.length - 1];
    if (frame && frame.at > frame.done) {
      html += escapeHtml(frame.source.slice(frame.done, frame.at));
      frame.done = frame.at;
    }
    return { html, tried };
  }
}

/** Frame.opener before its first search, and once no opener is left. */
const NOT_LOOKED = -2;
const NONE_LEFT = -1;

function frameOf(source: string, close: string, opener = NOT_LOOKED): Frame {
  return { source, done: 0, at: 0, opener, close };
}

/** The first opener at or after the frame's `at`; a search reads each stretch once. */
function nextOpener(frame: Frame): number {
  if (frame.opener === NONE_LEFT || frame.opener >= frame.at) return frame.opener;
  OPENER.lastIndex = frame.at;
  const found = OPENER.exec(frame.source);
  frame.opener = found ? found.index : NONE_LEFT;
  return frame.opener;
}

/**
 * The first rule (in order) that matches at `index`, within MAX_SPAN characters. The
 * pattern runs on a window of the text: a character before (the lookbehinds) and one past
 * the span (the lookahead after a closing marker), so within the window it decides as on
 * the whole text; a match reaching past the span is none.
 */
function matchAt(frame: Frame, index: number): { rule: InlineRule; match: RegExpExecArray; length: number } | undefined {
  const { source } = frame;
  const char = source[index]!;
  if (char === "[" && !linkPossible(frame, index)) return undefined;
  // Two code units either side: a letter before or after may be a surrogate pair.
  const start = Math.max(0, index - 2);
  const windowEnd = Math.min(source.length, index + MAX_SPAN + 2);
  const window = start === 0 && windowEnd === source.length ? source : source.slice(start, windowEnd);
  for (const rule of RULES_AT.get(char) ?? []) {
    rule.pattern.lastIndex = index - start;
    const match = rule.pattern.exec(window);
    if (match && match[0].length <= MAX_SPAN) return { rule, match, length: match[0].length };
  }
  return undefined;
}

/** Whether a link may start at `index`: it needs a "](" after it (a line of "[" was a megabyte of attempts). */
function linkPossible(frame: Frame, index: number): boolean {
  if (frame.linkFrom === undefined || (frame.linkFrom !== -1 && frame.linkFrom < index)) frame.linkFrom = frame.source.indexOf("](", index);
  return frame.linkFrom !== -1;
}

/** Whether `source` has a character some rule starts with (without one, it is plain text). */
export function hasInlineMarkers(source: string): boolean {
  OPENER.lastIndex = 0;
  return OPENER.test(source);
}
