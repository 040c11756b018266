// Escaping for Telegram HTML (parse_mode "HTML"), shared by the formatter, the markdown
// converter and the webhook templates.

/** Telegram's HTML needs only these three escaped (plus quotes inside attributes). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (char) => (char === "&" ? "&amp;" : char === "<" ? "&lt;" : "&gt;"));
}

export function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, "&quot;");
}
