// format=markdown: a safe subset of Markdown converted to Telegram HTML. Anything that is
// not one of the constructs below is shown literally (escaped), so a stray "*" or "_"
// never breaks a message the way raw MarkdownV2 does.
//
// Blocks:  ```lang fenced code```, "> " quotes, "# " headings (bold), "- "/"* "/"+ " list items (•)
// Inline:  **bold** __bold__ *italic* _italic_ ~~strike~~ ||spoiler|| `code`
//          [label](https://...) links (http, https, tg, mailto), \* escapes
import { escapeAttribute, escapeHtml } from "./html.ts";

interface InlineRule {
  /** Text every match contains: a line without it is not searched for this rule at all. */
  trigger: string;
  pattern: RegExp;
  render(match: RegExpExecArray): string;
}

const wrap = (tag: string, inner: string, open = tag): string => `<${open}>${renderInline(inner)}</${tag}>`;

// Order breaks ties between matches at the same position: "**" before "*", "__" before "_".
// A span's content never runs past the next opener of its own marker (it could not close
// across it anyway) and a link label holds no "[": so each attempt stops at the next
// marker instead of scanning to the end of the line for every unclosed one (quadratic).
const INLINE_RULES: InlineRule[] = [
  { trigger: "\\", pattern: /\\([\\`*_~[\]()|>#+\-.!])/g, render: (m) => escapeHtml(m[1]!) },
  { trigger: "`", pattern: /`([^`\n]+)`/g, render: (m) => `<code>${escapeHtml(m[1]!)}</code>` },
  {
    trigger: "](",
    pattern: /\[([^[\]\n]+)\]\(((?:https?:\/\/|tg:\/\/|mailto:)[^\s()]+)\)/g,
    render: (m) => `<a href="${escapeAttribute(m[2]!)}">${renderInline(m[1]!)}</a>`,
  },
  { trigger: "**", pattern: /\*\*(?=\S)((?:(?!\*\*\S)[\s\S])*?\S)\*\*/g, render: (m) => wrap("b", m[1]!) },
  { trigger: "__", pattern: /__(?=\S)((?:(?!__\S)[\s\S])*?\S)__/g, render: (m) => wrap("b", m[1]!) },
  { trigger: "~~", pattern: /~~(?=\S)((?:(?!~~\S)[\s\S])*?\S)~~/g, render: (m) => wrap("s", m[1]!) },
  { trigger: "||", pattern: /\|\|(?=\S)((?:(?!\|\|\S)[\s\S])*?\S)\|\|/g, render: (m) => wrap("tg-spoiler", m[1]!) },
  {
    trigger: "*",
    pattern: /(?<![\p{L}\p{N}*])\*(?=[^\s*])((?:(?!(?<![\p{L}\p{N}*])\*[^\s*])[\s\S])*?[^\s*])\*(?![\p{L}\p{N}*])/gu,
    render: (m) => wrap("i", m[1]!),
  },
  {
    trigger: "_",
    pattern: /(?<![\p{L}\p{N}_])_(?=[^\s_])((?:(?!(?<![\p{L}\p{N}_])_[^\s_])[\s\S])*?[^\s_])_(?![\p{L}\p{N}_])/gu,
    render: (m) => wrap("i", m[1]!),
  },
];

/**
 * Inline markup: repeatedly takes the earliest match of any rule and renders its content
 * recursively, so tags always nest properly (a match is rendered as one unit).
 */
export function renderInline(source: string): string {
  if (!ANY_TRIGGER.test(source)) return escapeHtml(source);
  let out = "";
  let index = 0;
  // Rules whose trigger the text lacks can never match: done before any search.
  const next = INLINE_RULES.map((rule) => (source.includes(rule.trigger) ? undefined : null));
  while (index < source.length) {
    const found = findEarliest(source, index, next);
    if (!found) break;
    out += escapeHtml(source.slice(index, found.match.index)) + found.rule.render(found.match);
    index = found.match.index + found.match[0].length;
  }
  return out + escapeHtml(source.slice(index));
}

/** A character that starts some rule's trigger: without one, a line is plain text. */
const ANY_TRIGGER = /[\\`\]*_~|]/;

/**
 * `next[i]` keeps rule i's leftmost match at or after the last search (null: none left):
 * it is still the leftmost while it starts at or after `from`, so a rule is searched again
 * only when a chosen match swallowed its own. Searching every rule on every step made
 * a line with many matches of one rule cost lines × length for the others.
 */
function findEarliest(source: string, from: number, next: Array<RegExpExecArray | null | undefined>): { rule: InlineRule; match: RegExpExecArray } | undefined {
  let best: { rule: InlineRule; match: RegExpExecArray } | undefined;
  for (let i = 0; i < INLINE_RULES.length; i++) {
    const rule = INLINE_RULES[i]!;
    let match = next[i];
    if (match === undefined || (match !== null && match.index < from)) {
      rule.pattern.lastIndex = from;
      match = rule.pattern.exec(source);
      next[i] = match;
    }
    if (match && (!best || match.index < best.match.index)) best = { rule, match };
  }
  return best;
}

const FENCE_OPEN = /^\s*```\s*([\w+#-]*)\s*$/;
const FENCE_CLOSE = /^\s*```\s*$/;
const QUOTE = /^\s*>\s?/;

/** Converts the markdown subset to Telegram HTML. Linear: every line is looked at a bounded number of times. */
export function renderMarkdown(source: string): string {
  return [...markdownBlocks(source)].join("\n");
}

/**
 * The same, pausing every `batch` blocks (`pause` gives the event loop a turn): a megabyte
 * of markdown is linear work, but tens of milliseconds of it in one go would hold every
 * other request (the gateway's promise: no input stalls the loop for more than ~50 ms).
 */
export async function renderMarkdownPausing(source: string, pause: () => Promise<void>, batch = 4096): Promise<string> {
  const out: string[] = [];
  for (const block of markdownBlocks(source)) if (out.push(block) % batch === 0) await pause();
  return out.join("\n");
}

/** The rendered blocks, one a line, a fenced code block or a run of quoted lines. */
function* markdownBlocks(source: string): Generator<string> {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const closers = nextFenceClosers(lines);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const end = closers[i + 1] ?? -1;
    const fence = end > i && line.includes("```") ? FENCE_OPEN.exec(line) : null;
    if (fence) {
      yield renderCodeBlock(lines.slice(i + 1, end).join("\n"), fence[1] ?? "");
      i = end;
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i]!)) quoted.push(lines[i++]!.replace(QUOTE, ""));
      i--;
      yield `<blockquote>${quoted.map(renderInline).join("\n")}</blockquote>`;
      continue;
    }
    yield renderLine(line);
  }
}

/** closers[j]: the first line at or after j that closes a fence (-1: none), in one backward pass. */
function nextFenceClosers(lines: string[]): Int32Array {
  const closers = new Int32Array(lines.length + 1).fill(-1);
  for (let j = lines.length - 1; j >= 0; j--) closers[j] = FENCE_CLOSE.test(lines[j]!) ? j : closers[j + 1]!;
  return closers;
}

function renderLine(line: string): string {
  const heading = parseHeading(line);
  if (heading !== undefined) return heading ? `<b>${renderInline(heading)}</b>` : "";
  const item = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (item) return `${item[1]}• ${renderInline(item[2]!)}`;
  return renderInline(line);
}

/**
 * An ATX heading's text, or undefined. As in CommonMark: up to 3 spaces, 1–6 "#", then
 * whitespace (a lone "#" stays text); a closing run of "#" counts only after whitespace ("# C#" keeps its "#").
 * Scanned by hand: the regex it replaces backtracked cubically on long runs of spaces.
 */
function parseHeading(line: string): string | undefined {
  const open = /^\s{0,3}#{1,6}\s/.exec(line);
  if (!open) return undefined;
  let end = line.length;
  while (end > open[0].length && isBlank(line, end - 1)) end--;
  let hashes = end;
  while (hashes > open[0].length && line[hashes - 1] === "#") hashes--;
  if (hashes < end && (hashes === open[0].length || isBlank(line, hashes - 1))) {
    end = hashes;
    while (end > open[0].length && isBlank(line, end - 1)) end--;
  }
  let start = open[0].length;
  while (start < end && isBlank(line, start)) start++;
  return line.slice(start, end);
}

function isBlank(line: string, i: number): boolean {
  return /\s/.test(line[i]!);
}

function renderCodeBlock(code: string, language: string): string {
  // An empty block shows nothing: no markup for it (a megabyte of "```" lines was 1.5 MB of empty <pre>s to split).
  if (code === "") return "";
  const body = escapeHtml(code);
  return language ? `<pre><code class="language-${escapeAttribute(language)}">${body}</code></pre>` : `<pre>${body}</pre>`;
}
