// Request fields, whatever form they came in (JSON, form, query string, a text body, the
// path), are merged into one object, normalised, and checked against one TypeBox schema
// by TypeBox itself. This turns its first complaint into a RequestError with the field's
// code (schemas.ts) and a message naming the field and what is wrong.
import { Kind, type Static, type TObject, type TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType } from "@sinclair/typebox/value";
import { didYouMean } from "../lib/did-you-mean.ts";
import { describeError, literalsOf, showValue } from "../lib/schema-messages.ts";
import type { Fields } from "./body.ts";
import { ERRORS, httpError, isErrorCode, type ErrorCode } from "./errors.ts";

/** Unknown fields are refused per source, so the message can say where the typo is. */
export function checkKnownFields(schema: TObject, fields: Fields, where: string): void {
  for (const name of Object.keys(fields)) {
    if (Object.hasOwn(schema.properties, name)) continue;
    const known = Object.keys(schema.properties);
    throw httpError("unknown_field", `unknown field ${showValue(name)} in the ${where}${didYouMean(name, known)}; fields: ${known.join(", ")}`);
  }
}

/** Merges field sources; a field given in two places is an error rather than a guess. */
export function mergeFields(sources: Array<[string, Fields]>): Fields {
  const merged: Fields = {};
  const origin: Record<string, string> = {};
  for (const [where, fields] of sources) {
    for (const [name, value] of Object.entries(fields)) {
      if (Object.hasOwn(merged, name)) throw httpError("duplicate_field", `"${name}" is given both in the ${origin[name]} and in the ${where}; give it once`);
      merged[name] = value;
      origin[name] = where;
    }
  }
  return merged;
}

// The usual spellings in forms and query strings; "" is on, so `?silent` alone works.
const TRUE = new Set(["", "1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

/**
 * Forms and query strings carry only strings, and JSON callers send "42" too: strings
 * become the schema's booleans and numbers, enumerations are matched in any case, and a
 * blank or null value counts as not given.
 */
export function normalizeFields(schema: TObject, fields: Fields): Fields {
  const out: Fields = {};
  for (const [name, raw] of Object.entries(fields)) {
    const value = normalizeValue(schema.properties[name], raw);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function normalizeValue(schema: TSchema | undefined, value: unknown): unknown {
  if (value === null) return undefined;
  if (typeof value !== "string" || schema === undefined) return value;
  const kind = schema[Kind];
  if (kind === "Boolean") {
    const text = value.trim().toLowerCase();
    return TRUE.has(text) ? true : FALSE.has(text) ? false : value;
  }
  if (value.trim() === "") return undefined;
  if ((kind === "Integer" || kind === "Number") && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return literalsOf(schema) ? value.toLowerCase() : value;
}

/** The fields as the schema's type, or a RequestError about the first problem. */
export function checkFields<T extends TObject>(schema: T, fields: Fields): Static<T> {
  const error = Value.Check(schema, fields) ? undefined : Value.Errors(schema, fields).First();
  if (!error) return fields as Static<T>;
  const name = error.path.split("/")[1] ?? "";
  const field = schema.properties[name];
  // Unknown fields are refused per source before this (checkKnownFields).
  if (!field) throw httpError("unknown_field", `unknown field ${showValue(name)}`);
  if (error.type !== ValueErrorType.ObjectRequiredProperty) throw httpError(codeOf(field, "x-error-code"), `${name}: ${describeError(error)}`);
  const code = codeOf(field, "x-missing-code");
  throw httpError(code, code === "bad_field" ? `"${name}" is required` : ERRORS[code].message);
}

/** One value (a header, a query parameter) as the schema's type, or a RequestError. */
export function checkValue<T extends TSchema>(name: string, schema: T, value: unknown): Static<T> {
  const error = Value.Check(schema, value) ? undefined : Value.Errors(schema, value).First();
  if (error) throw httpError(codeOf(schema, "x-error-code"), `${name}: ${describeError(error)}`);
  return value as Static<T>;
}

function codeOf(field: TSchema, annotation: "x-error-code" | "x-missing-code"): ErrorCode {
  const code: unknown = field[annotation];
  return typeof code === "string" && isErrorCode(code) ? code : "bad_field";
}
