// Turns a notification's text into Telegram HTML (parse_mode "HTML"). Everything we send
// is HTML: plain text is escaped, html passes through, and markdown is a safe subset
// converted here. Raw MarkdownV2 is never sent: it makes ordinary characters such as
// "." and "-" errors unless escaped, which breaks every other alert.
import { escapeHtml } from "./html.ts";
import { renderMarkdown, renderMarkdownPausing } from "./markdown.ts";

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

/** Markdown past this many characters is rendered in slices, the event loop served between them. */
export const PAUSING_MARKDOWN_CHARS = 64 * 1024;

/** formatMessage, giving the event loop a turn (`pause`) during a long markdown text. */
export async function formatMessagePausing(options: FormatOptions, pause: () => Promise<void>): Promise<string> {
  if (options.format !== "markdown" || options.text.length <= PAUSING_MARKDOWN_CHARS) return formatMessage(options);
  return withTitle(await renderMarkdownPausing(options.text, pause), options.title);
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
