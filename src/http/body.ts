// Request bodies: read with a byte limit (413 as soon as it is exceeded, without reading
// the rest), then decoded by Content-Type into plain fields.
import { errorMessage } from "../lib/errors.ts";
import { httpError } from "./errors.ts";

export type Fields = Record<string, unknown>;

/** Reads at most `limit` bytes; a declared or actual larger body is a 413. */
export async function readBodyLimited(req: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : new Uint8Array(await new Blob(chunks as Uint8Array<ArrayBuffer>[]).arrayBuffer());
}

function tooLarge(limit: number) {
  return httpError("body_too_large", `request body is larger than body_limit (${limit} bytes); send a shorter text or raise body_limit`, { Connection: "close" });
}

export type BodyKind = "json" | "form" | "text" | "empty";

/**
 * Decodes the body by Content-Type: JSON object, form (urlencoded or multipart), or text.
 * `textField` names the field a text/plain body fills (absent: text bodies are refused).
 */
export async function parseBody(req: Request, bytes: Uint8Array, textField?: string): Promise<{ kind: BodyKind; fields: Fields }> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (bytes.byteLength === 0) return { kind: "empty", fields: {} };
  const text = () => new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  if (type === "application/json" || type.endsWith("+json") || (type === "" && textField === undefined)) return { kind: "json", fields: parseJson(decodeUtf8(text)) };
  if (type === "application/x-www-form-urlencoded" || type === "multipart/form-data") {
    const form = await new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": req.headers.get("content-type")! } }).formData().catch(() => {
      throw httpError("bad_body", "the form body could not be decoded");
    });
    return { kind: "form", fields: formFields(form) };
  }
  if ((type === "text/plain" || type === "") && textField !== undefined) return { kind: "text", fields: { [textField]: decodeUtf8(text) } };
  throw httpError(
    "unsupported_media_type",
    `Content-Type "${type}" is not supported; send application/json, application/x-www-form-urlencoded${textField ? " or text/plain" : ""}`,
  );
}

function decodeUtf8(decode: () => string): string {
  try {
    return decode();
  } catch {
    throw httpError("bad_body", "the body is not valid UTF-8");
  }
}

function parseJson(text: string): Fields {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw httpError("bad_json", `the body is not valid JSON: ${errorMessage(error)}`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw httpError("bad_json", 'the JSON body must be an object, e.g. {"to":"ivanov","text":"hello"}');
  return value as Fields;
}

/** Repeated form fields become arrays (to=a&to=b). */
function formFields(form: { entries(): Iterable<[string, unknown]> }): Fields {
  const fields: Fields = {};
  for (const [name, value] of form.entries()) {
    if (typeof value !== "string") throw httpError("bad_field", `form field "${name}" is a file; send text fields only`);
    addField(fields, name, value);
  }
  return fields;
}

/** Query parameters as fields, repeated ones as arrays. */
export function queryFields(url: URL): Fields {
  const fields: Fields = {};
  for (const [name, value] of url.searchParams) addField(fields, name, value);
  return fields;
}

/** Appends in place: copying the list per repeat would make `to=a&to=b&…` quadratic. */
function addField(fields: Fields, name: string, value: string): void {
  const existing = fields[name];
  if (existing === undefined) fields[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else fields[name] = [existing, value];
}
