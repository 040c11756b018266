// ntfy's publish parameters as its server reads them (server.go parsePublishParams,
// util.go readParam): each has aliases, any of which may come as a header (any case) or
// as a query parameter (lower case, as ntfy looks them up). The first alias with a
// non-blank value wins, headers before the query string, as in ntfy. Headers are read in
// one pass over the request's headers, not one lookup per alias.
import { headerText } from "../header-text.ts";
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
    // As ntfy decodes its headers (Go's mime.WordDecoder): encoded words in any charset.
    const value = headerText(raw, { anyCharset: true }).trim();
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
