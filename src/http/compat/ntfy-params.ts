// ntfy's publish parameters as its server reads them (server.go parsePublishParams,
// util.go readParam): each has aliases, any of which may come as a header (any case) or
// as a query parameter (lower case, as ntfy looks them up). The first alias with a
// non-blank value wins, headers before the query string, as in ntfy. Headers are read in
// one pass over the request's headers, not one lookup per alias.
import { Buffer } from "node:buffer";
import { queryFields } from "../body.ts";

/** Aliases in ntfy's order of precedence (docs.ntfy.sh/publish). */
export const NTFY_ALIASES = {
  title: ["x-title", "title", "ti", "t"],
  message: ["x-message", "message", "m"],
  priority: ["x-priority", "priority", "prio", "p"],
  tags: ["x-tags", "tags", "tag", "ta"],
  click: ["x-click", "click"],
  markdown: ["x-markdown", "markdown", "md"],
  actions: ["x-actions", "actions", "action"],
  delay: ["x-delay", "delay", "x-at", "at", "x-in", "in"],
  filename: ["x-filename", "filename", "file", "f"],
  attach: ["x-attach", "attach", "a"],
  email: ["x-email", "x-e-mail", "email", "e-mail", "mail", "e"],
  call: ["x-call", "call"],
  icon: ["x-icon", "icon"],
  template: ["x-template", "template", "tpl"],
} as const;

export type NtfyParam = keyof typeof NTFY_ALIASES;
export type NtfyParams = { [K in NtfyParam]?: string };

/** alias → [parameter, its rank among the parameter's aliases] */
const BY_ALIAS = new Map<string, [NtfyParam, number]>();
for (const [param, aliases] of Object.entries(NTFY_ALIASES) as Array<[NtfyParam, readonly string[]]>) aliases.forEach((alias, rank) => BY_ALIAS.set(alias, [param, rank]));

/** The ntfy parameters a request carries in its headers and query string. */
export function readNtfyParams(req: Request, url: URL): NtfyParams {
  const params: NtfyParams = {};
  const ranks: Partial<Record<NtfyParam, number>> = {};
  for (const [name, raw] of req.headers) {
    const found = BY_ALIAS.get(name);
    if (!found) continue;
    const [param, rank] = found;
    const value = decodeHeaderValue(raw).trim();
    if (value === "" || (ranks[param] !== undefined && ranks[param]! < rank)) continue;
    params[param] = value;
    ranks[param] = rank;
  }
  if (url.search.length > 1) addQueryParams(params, queryFields(url));
  return params;
}

function addQueryParams(params: NtfyParams, query: Record<string, unknown>): void {
  for (const [param, aliases] of Object.entries(NTFY_ALIASES) as Array<[NtfyParam, readonly string[]]>) {
    if (params[param] !== undefined) continue;
    for (const alias of aliases) {
      const raw = query[alias];
      const value = (Array.isArray(raw) ? raw[0] : raw) as string | undefined;
      if (value !== undefined && value.trim() !== "") {
        params[param] = value.trim();
        break;
      }
    }
  }
}

/** ntfy's booleans (util.go toBool): 1, yes, true; anything else is false. */
export function isNtfyTrue(value: string | undefined): boolean {
  const lower = value?.trim().toLowerCase();
  return lower === "1" || lower === "yes" || lower === "true";
}

/** "a, b,,c" → ["a", "b", "c"] */
export function splitTags(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(",").map((tag) => tag.trim()).filter((tag) => tag !== "");
}

// RFC 2047 encoded words, as ntfy decodes its headers (mime.WordDecoder): "=?UTF-8?B?…?=".
// Each part excludes "?" and white space, so a scan never backtracks past the next "?".
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

/**
 * A header value as its sender wrote it. HTTP carries header bytes, and servers hand them
 * over one byte per character (Latin-1): UTF-8 text, which ntfy accepts in headers, is
 * decoded back. Then RFC 2047 encoded words, for clients that cannot send UTF-8 headers.
 */
export function decodeHeaderValue(raw: string): string {
  const text = fromLatin1Bytes(raw);
  if (!text.includes("=?")) return text;
  let out = "";
  let last = 0;
  let afterWord = false;
  for (const match of text.matchAll(ENCODED_WORD)) {
    const gap = text.slice(last, match.index);
    // RFC 2047 6.2: white space between two encoded words is not part of the text.
    if (!(afterWord && gap.trim() === "")) out += gap;
    const decoded = decodeWord(match[1]!, match[2]!, match[3]!);
    out += decoded ?? match[0];
    afterWord = decoded !== undefined;
    last = match.index + match[0].length;
  }
  return out + text.slice(last);
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

function fromLatin1Bytes(raw: string): string {
  let high = false;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code > 0xff) return raw;
    if (code > 0x7f) high = true;
  }
  if (!high) return raw;
  try {
    return UTF8.decode(Buffer.from(raw, "latin1"));
  } catch {
    return raw;
  }
}

function decodeWord(charset: string, encoding: string, data: string): string | undefined {
  const bytes = encoding.toUpperCase() === "B" ? Buffer.from(data, "base64") : decodeQ(data);
  try {
    // RFC 2231 lets a language follow the charset: "UTF-8*ru".
    const label = charset.split("*")[0]! as ConstructorParameters<typeof TextDecoder>[0];
    return new TextDecoder(label, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** RFC 2047 "Q": "_" is a space, "=XX" a byte, anything else itself. */
function decodeQ(data: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const char = data[i]!;
    const hex = char === "=" ? data.slice(i + 1, i + 3) : "";
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(char === "_" ? 0x20 : char.charCodeAt(0) & 0xff);
  }
  return Uint8Array.from(bytes);
}
