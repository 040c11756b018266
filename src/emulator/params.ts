import { errors } from "./api-error.ts";

/**
 * Bot API parameters of one call. Telegram accepts them in the query string,
 * as application/json, application/x-www-form-urlencoded or multipart/form-data,
 * and merges query and body. Form and query values are strings; objects
 * (reply_parameters, allowed_updates) then arrive JSON-serialized.
 */
export class Params {
  readonly raw: Record<string, unknown>;

  constructor(raw: Record<string, unknown>) {
    this.raw = raw;
  }

  has(name: string): boolean {
    const value = this.raw[name];
    return value !== undefined && value !== null && value !== "";
  }

  string(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null || value instanceof Blob) return undefined;
    return typeof value === "string" ? value : String(value);
  }

  /** Integer parameter; a non-numeric value is a 400 as in Telegram. */
  int(name: string): number | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null || value === "") return undefined;
    const number = typeof value === "number" ? value : Number(value);
    if (!Number.isInteger(number)) {
      throw errors.badRequest(`invalid ${name} specified`);
    }
    return number;
  }

  bool(name: string): boolean | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value === "boolean") return value;
    return value === "true" || value === "1" || value === 1;
  }

  /** An uploaded file (a multipart part), or undefined. */
  file(name: string): File | undefined {
    const value = this.raw[name];
    return value instanceof File ? value : undefined;
  }

  /** Object/array parameter: taken as is from JSON bodies, parsed from form strings. */
  json(name: string): unknown {
    const value = this.raw[name];
    if (typeof value !== "string") return value ?? undefined;
    if (value === "") return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw errors.badRequest(`can't parse ${name} JSON object`);
    }
  }
}

export async function readParams(req: Request, url: URL): Promise<Params> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of url.searchParams) raw[key] = value;
  if (req.method === "GET" || req.method === "HEAD" || req.body === null) return new Params(raw);

  const type = (req.headers.get("content-type") ?? "").toLowerCase();
  if (type.includes("application/json")) {
    Object.assign(raw, await readJsonBody(req));
  } else if (type.includes("application/x-www-form-urlencoded")) {
    for (const [key, value] of new URLSearchParams(await req.text())) raw[key] = value;
  } else if (type.includes("multipart/form-data")) {
    const form = await req.formData();
    // Uploads are kept as Files: a method reads them by name (`document`, or `attach://<name>`).
    form.forEach((value, key) => {
      raw[key] = value;
    });
  }
  return new Params(raw);
}

async function readJsonBody(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw errors.badRequest("can't parse JSON encoded request body");
  }
  if (!isRecord(parsed)) {
    throw errors.badRequest("JSON object expected as request body");
  }
  return parsed;
}

/** A JSON object (not null, not an array), as Bot API parameters and their fields must be. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
