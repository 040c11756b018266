// Turns a notification's text into Telegram HTML (parse_mode "HTML"). Everything we send
// is HTML: plain text is escaped, html passes through, and markdown is a safe subset
// converted here. Raw MarkdownV2 is never sent: it makes ordinary characters such as
// "." and "-" errors unless escaped, which breaks every other alert.
import { escapeHtml } from "./html.ts";
import { renderMarkdown } from "./markdown.ts";

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
  const body = renderBody(options.text, options.format);
  const title = options.title?.trim();
  return title ? `<b>${escapeHtml(title)}</b>\n${body}` : body;
}

function renderBody(text: string, format: Format): string {
  if (format === "html") return text;
  if (format === "markdown") return renderMarkdown(text);
  return escapeHtml(text);
}
