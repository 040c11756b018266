// Telegram accepts at most 4096 UTF-16 code units of text per message, counted after
// entity parsing (tags are free, "&lt;" counts as one). Longer texts are split at the
// last paragraph break, else line break, else space, preferring a break in the second
// half of the part so no part is tiny; a word longer than that is cut, but never inside
// an HTML tag or character reference, a surrogate pair or an emoji sequence.
// In HTML mode every part is valid on its own: tags open at the cut are closed at the end
// of the part and reopened (same attributes) at the start of the next.

export const TELEGRAM_TEXT_LIMIT = 4096;

export interface SplitOptions {
  /** "html": markup-aware (default); "plain": every character is text. */
  mode?: "html" | "plain";
  limit?: number;
}

interface OpenTag {
  name: string;
  /** The opening tag exactly as written, to reopen it in the next part. */
  source: string;
}

interface Cut {
  /** Markup index where the part ends. */
  end: number;
  /** Markup index where the next part starts (after the dropped whitespace). */
  resume: number;
  priority: number;
  visible: number;
  stack: OpenTag[];
}

const TAG = /^<\/?([a-zA-Z][\w-]*)(?:\s[^<>]*)?>/;
const CHAR_REF = /^&(?:#x[0-9a-fA-F]{1,6}|#\d{1,7}|lt|gt|amp|quot);/;

/** Splits `text` into parts of at most `limit` visible UTF-16 units, in order. */
export function splitText(text: string, options: SplitOptions = {}): string[] {
  const limit = options.limit ?? TELEGRAM_TEXT_LIMIT;
  const html = (options.mode ?? "html") === "html";
  const parts: string[] = [];
  let start = 0;
  let stack: OpenTag[] = [];
  while (start < text.length) {
    const cut = findCut(text, start, stack, limit, html);
    const prefix = stack.map((tag) => tag.source).join("");
    // Tags left open at the very end are the caller's markup error: keep it visible to
    // Telegram (parse error → plain-text resend) rather than silently repairing it.
    const atEnd = cut.end === text.length;
    const suffix = atEnd ? "" : cut.stack.map((tag) => `</${tag.name}>`).reverse().join("");
    const part = prefix + text.slice(start, cut.end) + suffix;
    if (visibleText(part, html).trim() !== "") parts.push(part);
    start = cut.resume;
    stack = cut.stack;
  }
  return parts;
}

/** Scans one part from `start`; returns where to cut (or the end of the text). */
function findCut(text: string, start: number, initial: OpenTag[], limit: number, html: boolean): Cut {
  const stack = [...initial];
  let visible = 0;
  let best: Cut | undefined;
  let i = start;
  // Start of the current run of plain characters: a hard cut never moves back past it.
  let runStart = start;
  while (i < text.length) {
    const token = html ? readMarkup(text, i) : undefined;
    if (token?.kind === "tag") {
      applyTag(stack, token.name, text.slice(i, i + token.length), token.closing);
      i += token.length;
      runStart = i;
      continue;
    }
    const width = token?.kind === "ref" ? refWidth(text.slice(i, i + token.length)) : charWidth(text, i);
    const length = token?.kind === "ref" ? token.length : width;
    if (visible + width > limit) return chooseCut(text, i, best, stack, runStart, start);
    const priority = breakPriority(text, i);
    if (priority > 0 && visible > 0) {
      const end = trimEnd(text, i);
      const candidate = { end, resume: skipSpace(text, i), priority, visible, stack: [...stack] };
      if (!best || isBetter(candidate, best, limit)) best = candidate;
    }
    visible += width;
    i += length;
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
function chooseCut(text: string, i: number, best: Cut | undefined, stack: OpenTag[], floor: number, start: number): Cut {
  if (best) return best;
  let end = i;
  while (end > floor && !isGraphemeBoundary(text, end)) end--;
  if (end <= start) end = i;
  return { end, resume: end, priority: 0, visible: 0, stack: [...stack] };
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
  const char = text[i];
  if (char === "<") {
    const match = TAG.exec(text.slice(i, i + 512));
    if (match) return { kind: "tag", name: match[1]!.toLowerCase(), closing: text[i + 1] === "/", length: match[0].length };
  } else if (char === "&") {
    const match = CHAR_REF.exec(text.slice(i, i + 12));
    if (match) return { kind: "ref", length: match[0].length };
  }
  return undefined;
}

function applyTag(stack: OpenTag[], name: string, source: string, closing: boolean): void {
  if (!closing) {
    stack.push({ name, source });
    return;
  }
  const index = stack.map((tag) => tag.name).lastIndexOf(name);
  if (index >= 0) stack.splice(index, 1);
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

function trimEnd(text: string, i: number): number {
  while (i > 0 && /[ \t\r\n]/.test(text[i - 1]!)) i--;
  return i;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /[ \t\r\n]/.test(text[i]!)) i++;
  return i;
}

/** The text Telegram would show (for the "part is not empty" check). */
export function visibleText(part: string, html: boolean): string {
  if (!html) return part;
  return part.replace(/<\/?[a-zA-Z][\w-]*(?:\s[^<>]*)?>/g, "").replace(/&(?:#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot);/g, "x");
}
