// What is wrong with a value a TypeBox schema rejects, said the same way for the config
// file (src/config/walk.ts) and HTTP requests (src/http/fields.ts): "must be at most 60,
// got 61". TypeBox does the checking; this only words its first complaint.
import { Kind, type TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType as E, type ValueError } from "@sinclair/typebox/value";
import { didYouMean } from "./did-you-mean.ts";

/** The allowed values of a union of literals (an enumeration), else undefined. */
export function literalsOf(schema: TSchema): string[] | undefined {
  const options = schema[Kind] === "Union" ? (schema.anyOf as TSchema[]) : undefined;
  return options?.every((option) => option[Kind] === "Literal") ? options.map((option) => String(option.const)) : undefined;
}

const KINDS: Record<string, string> = { String: "a string", Integer: "a whole number", Number: "a number", Boolean: "true or false" };

/** What a value of this schema looks like, for "expected …" messages. */
export function expectedOf(schema: TSchema): string {
  const literals = literalsOf(schema);
  if (literals) return `one of ${literals.join(", ")}`;
  if (schema[Kind] === "Literal") return JSON.stringify(schema.const);
  return KINDS[schema[Kind] as string] ?? String(schema.description ?? schema[Kind]);
}

/** A value shown in a message: short, and never a whole list or a megabyte of text. */
export function showValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return "a list";
  if (value === undefined) return "nothing";
  return value !== null && typeof value === "object" ? "an object" : String(JSON.stringify(value));
}

/** The first problem TypeBox finds with `value`, in words; undefined when it is valid. */
export function problemWith(schema: TSchema, value: unknown): string | undefined {
  const error = Value.Check(schema, value) ? undefined : Value.Errors(schema, value).First();
  return error && describeError(error);
}

/** One TypeBox error in words. Object-level errors (missing, unknown keys) are the caller's. */
export function describeError({ type, schema, value }: ValueError): string {
  const got = `got ${showValue(value)}`;
  const length = typeof value === "string" ? value.length : 0;
  const range = typeof schema.minimum === "number" && typeof schema.maximum === "number" ? `must be from ${schema.minimum} to ${schema.maximum}, ${got}` : undefined;
  switch (type) {
    case E.IntegerMinimum:
    case E.NumberMinimum:
      return range ?? `must be at least ${schema.minimum}, ${got}`;
    case E.IntegerMaximum:
    case E.NumberMaximum:
      return range ?? `must be at most ${schema.maximum}, ${got}`;
    case E.IntegerExclusiveMinimum:
    case E.NumberExclusiveMinimum:
      return `must be greater than ${schema.exclusiveMinimum}, ${got}`;
    case E.IntegerExclusiveMaximum:
    case E.NumberExclusiveMaximum:
      return `must be less than ${schema.exclusiveMaximum}, ${got}`;
    case E.IntegerMultipleOf:
    case E.NumberMultipleOf:
      return `must be a multiple of ${schema.multipleOf}, ${got}`;
    case E.StringMinLength:
      return schema.minLength === 1 ? "must not be empty" : `must be at least ${schema.minLength} characters, got ${length}`;
    case E.StringMaxLength:
      return `must be at most ${schema.maxLength} characters, got ${length}`;
    case E.StringPattern:
      return `must be ${schema.description ?? `text matching ${schema.pattern}`}, ${got}`;
  }
  const literals = literalsOf(schema);
  if (literals && typeof value === "string") return `must be one of ${literals.join(", ")}; ${got}${didYouMean(value, literals)}`;
  return `expected ${expectedOf(schema)}, ${got}`;
}
