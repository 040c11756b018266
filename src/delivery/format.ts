// Turns a notification's text into Telegram HTML (parse_mode "HTML"). Everything we send
// is HTML: plain text is escaped, html passes through, and markdown is a safe subset
// converted here. Raw MarkdownV2 is never sent: it makes ordinary characters such as
// "." and "-" errors unless escaped, which breaks every other alert.
import { countNonWhitespace } from "../lib/whitespace.ts";
import { escapeHtml } from "./html.ts";
import { markdownChunks, renderMarkdown } from "./markdown.ts";
import { visibleNonBlank } from "./split.ts";

export const FORMATS = ["text", "html", "markdown"] as const;
export type Format = (typeof FORMATS)[number];

export interface FormatOptions {
  text: string;
  format: Format;
  /** Shown bold on its own line above the text; always plain text. */
  title?: string;
}

/** The message as Telegram HTML. */
export function formatMessage(options: FormatOptions): string {
  return withTitle(renderBody(options.text, options.format), options.title);
}

export interface RenderLimits {
  /** Gives the event loop a turn; called between chunks of a long markdown text. */
  pause(): Promise<void>;
  /**
   * Stop once the HTML shows more than this many non-blank characters (visibleNonBlank):
   * the caller would refuse it anyway (as plain text, Telegram's fallback, every one of
   * them is shown), so a hostile megabyte is not rendered whole.
   */
  maxVisible: number;
}

/** Markdown up to this long is rendered in one go: a millisecond or two at most. */
export const SHORT_MARKDOWN = 16 * 1024;

/**
 * formatMessage for request input up to the body limit: long markdown is rendered in
 * chunks, the event loop served between them (no input may hold it for more than ~50 ms),
 * and rendering stops past `maxVisible`. Undefined: the HTML would show more than that.
 */
export async function formatMessageWithin(options: FormatOptions, limits: RenderLimits): Promise<string | undefined> {
  const title = withTitle("", options.title);
  let visible = visibleNonBlank(title);
  if (options.format === "text") {
    // Escaped text shows its own characters: counted on the source, before its entities are made.
    visible += countNonWhitespace(options.text);
    return visible > limits.maxVisible ? undefined : title + escapeHtml(options.text);
  }
  if (options.format === "html" || options.text.length <= SHORT_MARKDOWN) {
    const body = renderBody(options.text, options.format);
    visible += visibleNonBlank(body);
    return visible > limits.maxVisible ? undefined : title + body;
  }
  let body = "";
  for (const chunk of markdownChunks(options.text)) {
    body += chunk;
    visible += visibleNonBlank(chunk);
    if (visible > limits.maxVisible) return undefined;
    await limits.pause();
  }
  return title + body;
}

function withTitle(body: string, title: string | undefined): string {
  const trimmed = title?.trim();
  return trimmed ? `<b>${escapeHtml(trimmed)}</b>\n${body}` : body;
}

function renderBody(text: string, format: Format): string {
  if (format === "html") return text;
  if (format === "markdown") return renderMarkdown(text);
  return escapeHtml(text);
}
