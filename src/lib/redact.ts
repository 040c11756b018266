// Secrets (bot tokens, client tokens) must never reach logs, errors, responses or metrics.
// Bot tokens also hide inside Bot API URLs (`/bot123:ABC/sendMessage`), so besides the
// registered secrets we mask anything shaped like a bot token.

const BOT_TOKEN_SHAPE = /\d{5,}:[A-Za-z0-9_-]{20,}/g;
const MASK = "***";

export class Redactor {
  #secrets = new Set<string>();
  #pattern: RegExp | null = null;

  /** Registers secrets to mask. Short strings are ignored: masking "a" would wreck every line. */
  add(...secrets: ReadonlyArray<string | undefined>): void {
    let changed = false;
    for (const secret of secrets) {
      if (secret && secret.length >= 6 && !this.#secrets.has(secret)) {
        this.#secrets.add(secret);
        changed = true;
      }
    }
    if (changed) this.#pattern = null;
  }

  redact(text: string): string {
    if (this.#secrets.size > 0) {
      this.#pattern ??= new RegExp(
        [...this.#secrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join("|"),
        "g",
      );
      text = text.replace(this.#pattern, MASK);
    }
    return maskBotTokens(text);
  }
}

/**
 * Masks only what is shaped like a bot token. The result depends on the text alone, not
 * on which secrets are configured, so it is safe on text that echoes a caller's input:
 * `redact` there would answer "***" exactly when a guess equals a secret (an oracle).
 */
export function maskBotTokens(text: string): string {
  return text.replace(BOT_TOKEN_SHAPE, MASK);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The process-wide redactor: every secret the config holds is registered here on load. */
export const redactor = new Redactor();

/**
 * A URL fit to print: credentials (`user:password@`) and a bot token in the path
 * (`/bot123:ABC`) masked. Works on text that does not parse as a URL too, because that
 * is exactly what error messages echo.
 */
export function redactUrl(text: string): string {
  return text
    .replace(/^((?:[a-z][a-z0-9+.-]*:)?\/\/)?[^/?#]*@/i, `$1${MASK}@`)
    .replace(/\/bot\d+:[^/?#]*/gi, `/bot${MASK}`);
}
