// Which config values are secrets. A value under a secret-bearing key is never echoed in a
// message, whatever the structure around it: a token at the wrong indentation is still a
// token, so the key's name decides, not the schema position. URLs are echoed with their
// credentials masked.
import { redactUrl } from "../lib/redact.ts";

/** Keys whose values are secrets wherever they appear in the file. */
const SECRET_KEYS = new Set(["token", "passphrase", "secret", "password"]);
/** Keys whose values are URLs, which may carry credentials (`http://user:password@host`). */
const URL_KEYS = new Set(["api_url", "proxy", "url"]);

export type Secrecy = "hidden" | "url" | "plain";

export function secrecyOf(path: readonly string[]): Secrecy {
  if (path.some((key) => SECRET_KEYS.has(key))) return "hidden";
  return URL_KEYS.has(path.at(-1) ?? "") ? "url" : "plain";
}

export const HIDDEN = "a value that is not shown (it may be a secret)";

/** A scalar as messages about `path` may show it. */
export function showScalar(value: unknown, path: readonly string[]): string {
  const secrecy = secrecyOf(path);
  if (secrecy === "hidden") return HIDDEN;
  return JSON.stringify(secrecy === "url" && typeof value === "string" ? redactUrl(value) : value);
}

/**
 * The user name and password inside a URL, raw and decoded, for the redactor: a proxy's
 * or a Bot API server's credentials must not surface in a log line that quotes the URL.
 */
export function urlCredentials(text: string): string[] {
  const userinfo = /^(?:[a-z][a-z0-9+.-]*:)?\/\/([^/?#]*)@/i.exec(text)?.[1];
  if (!userinfo) return [];
  const password = userinfo.slice(userinfo.indexOf(":") + 1);
  const parts = userinfo.includes(":") ? [userinfo, password] : [userinfo];
  return [...parts, ...parts.map(decodeSafely)].filter((part) => part !== "");
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
