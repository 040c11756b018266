// Telegram accepts at most 4096 UTF-16 code units of text per message, counted after
// entity parsing (tags are free, "&lt;" counts as one). Longer texts are split at the
// last paragraph break, else line break, else space, preferring a break in the second
// half of the part so no part is tiny; a word longer than that is cut, but never inside
// an HTML tag or character reference, a surrogate pair or an emoji sequence.
// In HTML mode every part is valid on its own: tags open at the cut are closed at the end
// of the part and reopened (same attributes) at the start of the next.

import { countNonWhitespace, isWhitespace } from "../lib/whitespace.ts";

export const TELEGRAM_TEXT_LIMIT = 4096;

export interface SplitOptions {
  /** "html": markup-aware (default); "plain": every character is text. */
  mode?: "html" | "plain";
  limit?: number;
  /** Stop after this many parts (the caller refuses longer texts; no need to split them whole). */
  maxParts?: number;
}

/**
 * The tags open at a point, as an immutable linked list (top first): a cut candidate keeps
 * the stack it saw by reference, so remembering one costs O(1) however deep the nesting.
 */
interface OpenTag {
  name: string;
  /** Where the opening tag stands in the text, to reopen it as written in the next part (sliced only then). */
  start: number;
  end: number;
  parent: OpenTag | undefined;
}

interface Cut {
  /** Markup index where the part ends. */
  end: number;
  /** Markup index where the next part starts (after the dropped whitespace). */
  resume: number;
  priority: number;
  visible: number;
  stack: OpenTag | undefined;
}


/**
 * A part Telegram could not parse ("can't parse entities") is resent once as plain text,
 * its markup as written. The worker sends these and the notifier counts them at accept
 * (the 20-message cap), so both call this one function.
 */
export function plainFallbackParts(part: string, maxParts?: number): string[] {
  return splitText(part, { mode: "plain", maxParts });
}

/** Splits `text` into parts of at most `limit` visible UTF-16 units, in order. Linear in the text. */
export function splitText(text: string, options: SplitOptions = {}): string[] {
  const limit = options.limit ?? TELEGRAM_TEXT_LIMIT;
  const html = (options.mode ?? "html") === "html";
  // Visible units never exceed UTF-16 units (tags are free, a reference is one): a text
  // that short is one part as it stands, and most notifications are.
  if (text.length <= limit) return shows(text, html) ? [text] : [];
  const parts: string[] = [];
  let start = 0;
  let stack: OpenTag | undefined;
  while (start < text.length && parts.length < (options.maxParts ?? Number.POSITIVE_INFINITY)) {
    const cut = findCut(text, start, stack, limit, html);
    // Tags left open at the very end are the caller's markup error: keep it visible to
    // Telegram (parse error → plain-text resend) rather than silently repairing it.
    const atEnd = cut.end === text.length;
    const suffix = atEnd ? "" : tagsOf(cut.stack).map((tag) => `</${tag.name}>`).join("");
    const prefix = tagsOf(stack).reverse().map((tag) => text.slice(tag.start, tag.end)).join("");
    const part = prefix + text.slice(start, cut.end) + suffix;
    if (shows(part, html)) parts.push(part);
    start = cut.resume;
    stack = cut.stack;
  }
  return parts;
}

/**
 * Scans one part from `start`; returns where to cut (or the end of the text). A run of
 * whitespace is one break candidate (cut before it, resume after it), taken when the run
 * ends, so a long run is scanned once, not once per character.
 */
function findCut(text: string, start: number, initial: OpenTag | undefined, limit: number, html: boolean): Cut {
  let stack = initial;
  let visible = 0;
  let best: Cut | undefined;
  let run: Cut | undefined;
  let i = start;
  // Start of the current run of plain characters: a hard cut never moves back past it.
  let runStart = start;
  // A run that starts the part (nothing visible before it) is no place to cut.
  // `resume` undefined: the run ends at the limit, and the next part starts after its spaces.
  const closeRun = (resume?: number): void => {
    if (run && run.visible > 0 && run.priority > 0 && (!best || isBetter(run, best, limit))) best = { ...run, resume: resume ?? skipSpace(text, i) };
    run = undefined;
  };
  while (i < text.length) {
    const token = html ? readMarkup(text, i) : undefined;
    if (token?.kind === "tag") {
      closeRun(i);
      stack = applyTag(stack, token.name, i, i + token.length, token.closing);
      i += token.length;
      runStart = i;
      continue;
    }
    const width = token?.kind === "ref" ? refWidth(text.slice(i, i + token.length)) : charWidth(text, i);
    if (visible + width > limit) {
      closeRun();
      return chooseCut(text, i, best, stack, runStart, start);
    }
    if (!token && isSpace(text.charCodeAt(i))) {
      run ??= { end: i, resume: i, priority: 0, visible, stack };
      run.priority = Math.max(run.priority, breakPriority(text, i));
    } else if (run) closeRun(i);
    visible += width;
    i += token?.kind === "ref" ? token.length : width;
    if (token) runStart = i;
  }
  return { end: text.length, resume: text.length, priority: 0, visible, stack };
}

function isBetter(candidate: Cut, best: Cut, limit: number): boolean {
  const half = limit / 2;
  const candidateLate = candidate.visible >= half;
  const bestLate = best.visible >= half;
  if (candidateLate !== bestLate) return candidateLate;
  return candidate.priority >= best.priority;
}

/** No break fits: cut at `i`, moved back off emoji sequences and combining marks (never past `floor`). */
function chooseCut(text: string, i: number, best: Cut | undefined, stack: OpenTag | undefined, floor: number, start: number): Cut {
  if (best) return best;
  let end = i;
  while (end > floor && !isGraphemeBoundary(text, end)) end--;
  if (end <= start) end = i;
  return { end, resume: end, priority: 0, visible: 0, stack };
}

function isGraphemeBoundary(text: string, index: number): boolean {
  const next = text.charCodeAt(index);
  const prev = text.charCodeAt(index - 1);
  if (prev >= 0xd800 && prev <= 0xdbff) return false; // inside a surrogate pair
  if (prev === 0x200d || next === 0x200d) return false; // zero-width joiner sequences
  if (next === 0xfe0f || next === 0xfe0e || next === 0x20e3) return false; // variation selectors, keycaps
  const nextChar = String.fromCodePoint(text.codePointAt(index) ?? 0);
  if (/\p{M}|\p{Emoji_Modifier}/u.test(nextChar)) return false; // combining marks, skin tones
  return true;
}

type Markup = { kind: "tag"; name: string; closing: boolean; length: number } | { kind: "ref"; length: number };

function readMarkup(text: string, i: number): Markup | undefined {
  const char = text.charCodeAt(i);
  if (char === 0x3c) return readTag(text, i);
  if (char !== 0x26) return undefined;
  const length = refLength(text, i);
  return length > 0 ? { kind: "ref", length } : undefined;
}

/**
 * The length of the character reference at `i` (&lt; &gt; &amp; &quot;, &#DDDDDDD; or &#xHHHHHH;), 0 when there is none.
 * Read by hand: a regex match per "&" was most of the cost of a megabyte of "&lt;".
 */
function refLength(text: string, i: number): number {
  if (text.startsWith("lt;", i + 1) || text.startsWith("gt;", i + 1)) return 4;
  if (text.startsWith("amp;", i + 1)) return 5;
  if (text.startsWith("quot;", i + 1)) return 6;
  if (text.charCodeAt(i + 1) !== 0x23) return 0;
  const hex = text.charCodeAt(i + 2) === 0x78;
  const start = i + (hex ? 3 : 2);
  let end = start;
  while (end - start < (hex ? 6 : 7) && (hex ? isHexDigit(text.charCodeAt(end)) : isDigit(text.charCodeAt(end)))) end++;
  return end > start && text.charCodeAt(end) === 0x3b ? end + 1 - i : 0;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isHexDigit(code: number): boolean {
  return isDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

/** A tag at `i` (tagLength's grammar), with its name in lower case. */
function readTag(text: string, i: number): Markup | undefined {
  const length = tagLength(text, i);
  if (length === 0) return undefined;
  const closing = text.charCodeAt(i + 1) === 0x2f;
  const nameStart = i + (closing ? 2 : 1);
  let end = nameStart + 1;
  while (end < text.length && isNameChar(text.charCodeAt(end))) end++;
  return { kind: "tag", name: text.slice(nameStart, end).toLowerCase(), closing, length };
}

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** `[\w-]`: letters, digits, "_" and "-". */
function isNameChar(code: number): boolean {
  return isAsciiLetter(code) || (code >= 0x30 && code <= 0x39) || code === 0x5f || code === 0x2d;
}

/**
 * Telegram accepts only properly nested HTML: an end tag must close the innermost open tag
 * ("Unmatched end tag" otherwise). So only that one is popped; a mismatched end tag leaves
 * the stack as it is, and Telegram's parse error sends the text as plain text.
 */
function applyTag(stack: OpenTag | undefined, name: string, start: number, end: number, closing: boolean): OpenTag | undefined {
  if (!closing) return { name, start, end, parent: stack };
  return stack?.name === name ? stack.parent : stack;
}

/** The open tags, innermost first. */
function tagsOf(stack: OpenTag | undefined): OpenTag[] {
  const tags: OpenTag[] = [];
  for (let tag = stack; tag; tag = tag.parent) tags.push(tag);
  return tags;
}

/** UTF-16 units of a character reference once decoded. */
function refWidth(ref: string): number {
  const numeric = /^&#(x?)([0-9a-fA-F]+);$/.exec(ref);
  if (!numeric) return 1;
  const code = Number.parseInt(numeric[2]!, numeric[1] ? 16 : 10);
  return code > 0xffff ? 2 : 1;
}

function charWidth(text: string, i: number): number {
  const code = text.charCodeAt(i);
  const next = text.charCodeAt(i + 1);
  return code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
}

/** 3: paragraph break, 2: line break, 1: other whitespace, 0: not a break. */
function breakPriority(text: string, i: number): number {
  const char = text[i]!;
  if (char === "\n") return text[i + 1] === "\n" || text[i - 1] === "\n" ? 3 : 2;
  return char === " " || char === "\t" ? 1 : 0;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Characters Telegram would show that are not whitespace: tags are free, a character
 * reference is one. Every part a split keeps holds its share of
 * them, and as plain text (the fallback) each is shown: so a text with more than
 * n × TELEGRAM_TEXT_LIMIT of them cannot go out as n messages. Linear, one pass.
 */
export function visibleNonBlank(html: string): number {
  let count = 0;
  for (let i = 0; i < html.length; ) {
    const code = html.charCodeAt(i);
    // Tags are skipped without reading their names: a megabyte of <b> is 350,000 of them.
    const skip = code === 0x3c ? tagLength(html, i) : code === 0x26 ? refLength(html, i) : 0;
    if (skip > 0) {
      if (code === 0x26) count++;
      i += skip;
      continue;
    }
    if (!isWhitespace(code)) count++;
    i++;
  }
  return count;
}

/**
 * The length of the tag at `i`, 0 when there is none; nothing is allocated. Read by hand:
 * `</?name` then `>`, or whitespace, attributes and `>`. The attribute scan stops at the
 * next "<", so the attempts at all the "<" read the text once (a regex's match arrays were
 * most of the cost of deeply nested markup).
 */
function tagLength(text: string, i: number): number {
  let j = i + (text.charCodeAt(i + 1) === 0x2f ? 2 : 1);
  if (!isAsciiLetter(text.charCodeAt(j))) return 0;
  while (++j < text.length && isNameChar(text.charCodeAt(j)));
  if (text.charCodeAt(j) === 0x3e) return j + 1 - i;
  if (!isWhitespace(text.charCodeAt(j))) return 0;
  for (let k = j + 1; k < text.length; k++) {
    const code = text.charCodeAt(k);
    if (code === 0x3e) return k + 1 - i;
    if (code === 0x3c) return 0;
  }
  return 0;
}

/** Whether Telegram would show anything of the part but whitespace (an empty part is not sent). */
function shows(part: string, html: boolean): boolean {
  return html ? visibleNonBlank(part) > 0 : countNonWhitespace(part) > 0;
}
