// Small pure checks used by the resolver; each returns an error message or undefined.
import { Cron } from "croner";
import { isKey } from "../keys/key-format.ts";

export const NAME_PATTERN = /^[\p{L}\p{N}_.-]+$/u;
export const BOT_TOKEN_PATTERN = /^\d+:[A-Za-z0-9_-]+$/;

export function checkName(name: string): string | undefined {
  if (/^\d+$/.test(name)) return `name "${name}" is all digits; names must contain a letter (digits alone look like keys)`;
  if (!NAME_PATTERN.test(name)) return `name "${name}" may contain only letters, digits, "_", "." and "-"`;
  return undefined;
}

export function checkKey(key: string): string | undefined {
  return isKey(key) ? undefined : `key "${key}" is not valid: keys are 8 digits not starting with 0 (the bot replies with one)`;
}

const SPACE_NAMES: Record<string, string> = { " ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a carriage return", "\u00a0": "a no-break space" };

/**
 * A client token travels as `Authorization: Bearer <token>`, where whitespace ends it, and
 * header values cannot hold control characters: such a token could never authenticate.
 * Says where the character is without showing the token (it is a secret).
 */
export function checkTokenCharacters(token: string): string | undefined {
  const index = token.search(/[\s\p{Cc}]/u);
  if (index < 0) return undefined;
  const char = token[index]!;
  const what = SPACE_NAMES[char] ?? (/\s/.test(char) ? "a whitespace character" : "a control character");
  const where = index === 0 ? "at its start" : index === token.length - 1 ? "at its end" : `at character ${index + 1} of ${token.length}`;
  return `contains ${what} ${where}, so it could never authenticate (a bearer token ends at whitespace). A token may hold letters, digits and punctuation, without spaces; e.g. from \`openssl rand -hex 24\`${index === token.length - 1 && /[\r\n]/.test(char) ? ". A line break at the end often comes from a file read into an environment variable" : ""}`;
}

export function checkCron(pattern: string, timezone?: string | null): string | undefined {
  try {
    new Cron(pattern, { paused: true, timezone: timezone ?? undefined }).stop();
    return undefined;
  } catch (error) {
    return `invalid cron pattern "${pattern}": ${error instanceof Error ? error.message : String(error)}; e.g. "* * * * *" (every minute) or "* 8-20 * * 1-5" (working hours)`;
  }
}

export function checkTimezone(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return undefined;
  } catch {
    return `unknown time zone "${zone}"; use an IANA name such as Europe/Moscow`;
  }
}

export function parseHttpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** "127.0.0.1:8787", "[::1]:8787", "localhost:80", ":8787" (all interfaces), "8787" (loopback) */
export function parseListen(value: string): { hostname: string; port: number } | undefined {
  const text = value.trim();
  const match = /^(?:(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):)?(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  if (match[1] !== undefined) return { hostname: match[1], port };
  if (match[2] === undefined) return { hostname: "127.0.0.1", port };
  return { hostname: match[2] === "" ? "0.0.0.0" : match[2], port };
}

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, kb: 1000, kib: 1024, mb: 1000 ** 2, mib: 1024 ** 2 };

export function parseSize(value: number | string): number | undefined {
  if (typeof value === "number") return value;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = SIZE_UNITS[(match?.[2] ?? "x").toLowerCase()];
  if (!match || unit === undefined) return undefined;
  return Math.floor(Number(match[1]) * unit);
}

/** Lower-case, trimmed, punctuation dropped, spaces collapsed: how key phrases are compared. */
export function normalizePhrase(text: string): string {
  return text
    .toLowerCase()
    .replace(/ё/g, "е")
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}
