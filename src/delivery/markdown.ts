// format=markdown: a safe subset of Markdown converted to Telegram HTML. Anything that is
// not one of the constructs below is shown literally (escaped), so a stray "*" or "_"
// never breaks a message the way raw MarkdownV2 does.
//
// Blocks:  ```lang fenced code```, "> " quotes, "# " headings (bold), "- "/"* "/"+ " list items (•)
// Inline:  **bold** __bold__ *italic* _italic_ ~~strike~~ ||spoiler|| `code`
//          [label](https://...) links (http, https, tg, mailto), \* escapes
//
// A body up to the body limit (1 MiB) is request input: the converter reads it once, line
// by line and marker by marker, and hands out its HTML in chunks of bounded work, so a
// caller can give the event loop a turn between them, or stop, however the text is shaped
// (one megabyte-long line, or a million empty ones).
import { isWhitespace } from "../lib/whitespace.ts";
import { escapeAttribute, escapeHtml } from "./html.ts";
import { CHUNK_HTML, ESCAPE_SLICE, hasInlineMarkers, InlineRun } from "./markdown-inline.ts";

/** Lines, inline attempts and slices of plain text or code per chunk: a chunk is a millisecond or two of work at most. */
export const CHUNK_WORK = 8192;

/** The HTML being made and the work done since the last chunk was handed out. */
class Output {
  html = "";
  work = 0;

  /** Appends a short text that needs no inline rendering (or code); false: it has markers or is long, use `inline`. */
  plain(source: string, code = false): boolean {
    if (source.length > ESCAPE_SLICE || (!code && hasInlineMarkers(source))) return false;
    this.html += escapeHtml(source);
    return true;
  }

  /**
   * Appends a text's inline markup (or, `code`, the text escaped) as far as this chunk's
   * work allows; false: the rest is in `rest` (a generator only then: most lines end well
   * within a chunk).
   */
  inline(source: string, code = false): boolean {
    this.#run = new InlineRun(source, !code);
    this.#step(this.#run);
    return this.#run.finished;
  }

  /** The rest of the text `inline` started, handing out chunks as the work adds up. */
  *rest(): Generator<string> {
    const run = this.#run!;
    while (!run.finished) {
      yield this.take();
      this.#step(run);
    }
  }

  #run: InlineRun | undefined;

  #step(run: InlineRun): void {
    const { html, tried } = run.step(Math.max(1, CHUNK_WORK - this.work));
    this.html += html;
    this.work += tried;
  }

  /** Whether a chunk is due: enough work, or enough HTML (the caller counts what it shows). */
  get due(): boolean {
    return this.work >= CHUNK_WORK || this.html.length >= CHUNK_HTML;
  }

  take(): string {
    const html = this.html;
    this.html = "";
    this.work = 0;
    return html;
  }
}

/** Converts the markdown subset to Telegram HTML. Linear: every line is looked at a bounded number of times. */
export function renderMarkdown(source: string): string {
  let html = "";
  for (const chunk of markdownChunks(source)) html += chunk;
  return html;
}

/**
 * The HTML in chunks, in order (their concatenation is renderMarkdown's result), each about
 * CHUNK_WORK units of work: a caller may pause, or stop, between them. Lines are read by
 * index, and nothing per line is a generator (a million empty lines cost what they must).
 */
export function* markdownChunks(source: string): Generator<string> {
  const text = source.includes("\r") ? source.replace(/\r\n?/g, "\n") : source;
  const closers = new FenceClosers(text);
  const out = new Output();
  let quoting = false;
  for (let start = 0; start <= text.length; ) {
    const end = lineEnd(text, start);
    const first = skipWhitespace(text, start, end);
    if (first === end && !quoting) {
      // Blank lines stay as they are: a run of them is one slice of the text.
      const last = blankRunEnd(text, end);
      out.html += (start > 0 ? "\n" : "") + text.slice(start, last);
      out.work += 1 + ((last - start) >> 4);
      if (out.due) yield out.take();
      start = last + 1;
      continue;
    }
    const quoted = first < end && text[first] === ">";
    // Blocks are separated by "\n"; a run of quoted lines is one blockquote.
    if (quoting && !quoted) out.html += "</blockquote>";
    if (start > 0) out.html += "\n";
    if (quoted && !quoting) out.html += "<blockquote>";
    quoting = quoted;
    out.work++;
    const line = quoted ? quoteLine(text, first, end) : blockAt(text, start, end, first, closers, out);
    if (line.inline !== "" && !out.plain(line.inline, line.code) && !out.inline(line.inline, line.code)) yield* out.rest();
    out.html += line.after;
    if (out.due) yield out.take();
    start = line.next;
  }
  if (quoting) out.html += "</blockquote>";
  yield out.html;
}

/** What is left of a line once its prefix is out: inline text to render, markup after it, and the next line's start. */
interface LineRest {
  inline: string;
  /** `inline` is a code block's text: escaped, not read for markup. */
  code?: boolean;
  after: string;
  next: number;
}

/** A quoted line: "> " loses its ">" and one whitespace character after it. */
function quoteLine(text: string, marker: number, end: number): LineRest {
  const from = marker + 1 < end && isWhitespace(text.charCodeAt(marker + 1)) ? marker + 2 : marker + 1;
  return { inline: text.slice(from, end), after: "", next: end + 1 };
}

/** A line that is not quoted: blank, a fenced code block's opening, a heading, a list item or inline text. */
function blockAt(text: string, start: number, end: number, first: number, closers: FenceClosers, out: Output): LineRest {
  if (first === end) {
    out.html += text.slice(start, end);
    return { inline: "", after: "", next: end + 1 };
  }
  const line = text.slice(start, end);
  if (text[first] === "`") {
    const language = fenceLanguage(text, start, end);
    const close = language === undefined ? undefined : closers.after(end + 1);
    if (language !== undefined && close) {
      const code = close.start > end + 1 ? text.slice(end + 1, close.start - 1) : "";
      // An empty block shows nothing: no markup for it (a megabyte of "```" lines was 1.5 MB of empty <pre>s to split).
      if (code === "") return { inline: "", after: "", next: close.end + 1 };
      out.html += language ? `<pre><code class="language-${escapeAttribute(language)}">` : "<pre>";
      return { inline: code, code: true, after: language ? "</code></pre>" : "</pre>", next: close.end + 1 };
    }
  }
  const heading = parseHeading(line);
  if (heading !== undefined) return heading === "" ? { inline: "", after: "", next: end + 1 } : (out.html += "<b>", { inline: heading, after: "</b>", next: end + 1 });
  const item = listItem(line);
  if (item) out.html += `${item.indent}• `;
  return { inline: item ? item.text : line, after: "", next: end + 1 };
}

function lineEnd(text: string, start: number): number {
  const end = text.indexOf("\n", start);
  return end === -1 ? text.length : end;
}

/** The end of the last blank line in the run that ends at `end` and goes on from there. */
function blankRunEnd(text: string, end: number): number {
  while (end < text.length) {
    const next = lineEnd(text, end + 1);
    if (skipWhitespace(text, end + 1, next) !== next) break;
    end = next;
  }
  return end;
}

function skipWhitespace(text: string, from: number, end: number): number {
  while (from < end && isWhitespace(text.charCodeAt(from))) from++;
  return from;
}

/**
 * The first fence-closing line at or after a line start, found lazily: asked in ascending
 * order, each line is read once in all (searching from every unclosed opener to the end
 * was quadratic).
 */
class FenceClosers {
  /** The last search started here and found `#found` (undefined: no closer from there on). */
  #from = Number.POSITIVE_INFINITY;
  #found: { start: number; end: number } | undefined;

  constructor(private readonly text: string) {}

  /** The closing line's start and end. */
  after(from: number): { start: number; end: number } | undefined {
    if (from >= this.#from && (this.#found === undefined || from <= this.#found.start)) return this.#found;
    this.#from = from;
    this.#found = undefined;
    for (let start = from; start <= this.text.length; ) {
      const end = lineEnd(this.text, start);
      if (isFenceClose(this.text, start, end)) {
        this.#found = { start, end };
        break;
      }
      start = end + 1;
    }
    return this.#found;
  }
}

/** "```" alone on the line from `start` to `end` (whitespace around it allowed). */
function isFenceClose(text: string, start: number, end: number): boolean {
  const language = fenceLanguageAt(text, start, end);
  return language !== undefined && language.from === language.to;
}

/** The language of the fence line from `start` to `end` ("```js" → "js", "```" → ""), or undefined: no fence. */
function fenceLanguage(text: string, start: number, end: number): string | undefined {
  const at = fenceLanguageAt(text, start, end);
  const language = at && text.slice(at.from, at.to);
  return language === undefined || language === "" || /^[\w+#-]*$/.test(language) ? language : undefined;
}

/** Where a fence line's language stands (empty: none), or undefined when the line is no fence. */
function fenceLanguageAt(text: string, start: number, end: number): { from: number; to: number } | undefined {
  const first = skipWhitespace(text, start, end);
  if (first + 3 > end || !text.startsWith("```", first)) return undefined;
  let to = end;
  while (to > first + 3 && isWhitespace(text.charCodeAt(to - 1))) to--;
  return { from: skipWhitespace(text, first + 3, to), to };
}

/** A "- ", "* " or "+ " item: its indentation and text. */
function listItem(line: string): { indent: string; text: string } | undefined {
  const marker = skipWhitespace(line, 0, line.length);
  const char = line[marker];
  if ((char !== "-" && char !== "*" && char !== "+") || !isWhitespace(line.charCodeAt(marker + 1))) return undefined;
  return { indent: line.slice(0, marker), text: line.slice(skipWhitespace(line, marker + 1, line.length)) };
}

/**
 * An ATX heading's text, or undefined. As in CommonMark: up to 3 spaces, 1–6 "#", then
 * whitespace (a lone "#" stays text); a closing run of "#" counts only after whitespace ("# C#" keeps its "#").
 * Scanned by hand: the regex it replaces backtracked cubically on long runs of spaces.
 */
function parseHeading(line: string): string | undefined {
  const indent = skipWhitespace(line, 0, Math.min(line.length, 4));
  if (indent > 3 || line[indent] !== "#") return undefined;
  let open = indent;
  while (open < line.length && open - indent < 7 && line[open] === "#") open++;
  if (open - indent > 6 || !isWhitespace(line.charCodeAt(open))) return undefined;
  open++;
  let end = line.length;
  while (end > open && isWhitespace(line.charCodeAt(end - 1))) end--;
  let hashes = end;
  while (hashes > open && line[hashes - 1] === "#") hashes--;
  if (hashes < end && (hashes === open || isWhitespace(line.charCodeAt(hashes - 1)))) {
    end = hashes;
    while (end > open && isWhitespace(line.charCodeAt(end - 1))) end--;
  }
  return line.slice(skipWhitespace(line, open, end), end);
}
