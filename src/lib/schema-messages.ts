// What is wrong with a value a TypeBox schema rejects, said the same way for the config
// file (src/config/walk.ts) and HTTP requests (src/http/fields.ts): "must be at most 60,
// got 61". TypeBox does the checking; this only words its first complaint.
import { Kind, type TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType, type ValueError } from "@sinclair/typebox/value";
import { didYouMean } from "./did-you-mean.ts";

/** The allowed values of a union of literals (an enumeration), else undefined. */
export function literalsOf(schema: TSchema): string[] | undefined {
  const options = schema[Kind] === "Union" ? (schema.anyOf as TSchema[]) : undefined;
  return options?.every((option) => option[Kind] === "Literal") ? options.map((option) => String(option.const)) : undefined;
}

/** What a value of this schema looks like, for "expected …" messages. */
export function expectedOf(schema: TSchema): string {
  const literals = literalsOf(schema);
  if (literals) return `one of ${literals.join(", ")}`;
  switch (schema[Kind]) {
    case "String":
      return "a string";
    case "Integer":
      return "a whole number";
    case "Number":
      return "a number";
    case "Boolean":
      return "true or false";
    case "Literal":
      return JSON.stringify(schema.const);
    default:
      return String(schema.description ?? schema[Kind]);
  }
}

/** A value shown in a message: short, and never a whole list or a megabyte of text. */
export function showValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "an object";
  return String(JSON.stringify(value));
}

/** The first problem TypeBox finds with `value`, in words; undefined when it is valid. */
export function problemWith(schema: TSchema, value: unknown): string | undefined {
  if (Value.Check(schema, value)) return undefined;
  const error = Value.Errors(schema, value).First();
  return error ? describeError(error) : `expected ${expectedOf(schema)}, got ${showValue(value)}`;
}

/** One TypeBox error in words. Object-level errors (missing, unknown keys) are the caller's. */
export function describeError({ type, schema, value }: ValueError): string {
  const got = showValue(value);
  const length = typeof value === "string" ? value.length : 0;
  const bounded = typeof schema.minimum === "number" && typeof schema.maximum === "number";
  switch (type) {
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      if (bounded) return `must be from ${schema.minimum} to ${schema.maximum}, got ${got}`;
      return type === ValueErrorType.IntegerMinimum || type === ValueErrorType.NumberMinimum
        ? `must be at least ${schema.minimum}, got ${got}`
        : `must be at most ${schema.maximum}, got ${got}`;
    case ValueErrorType.IntegerExclusiveMinimum:
    case ValueErrorType.NumberExclusiveMinimum:
      return `must be greater than ${schema.exclusiveMinimum}, got ${got}`;
    case ValueErrorType.IntegerExclusiveMaximum:
    case ValueErrorType.NumberExclusiveMaximum:
      return `must be less than ${schema.exclusiveMaximum}, got ${got}`;
    case ValueErrorType.IntegerMultipleOf:
    case ValueErrorType.NumberMultipleOf:
      return `must be a multiple of ${schema.multipleOf}, got ${got}`;
    case ValueErrorType.StringMinLength:
      return schema.minLength === 1 ? "must not be empty" : `must be at least ${schema.minLength} characters, got ${length}`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${schema.maxLength} characters, got ${length}`;
    case ValueErrorType.StringPattern:
      return `must be ${schema.description ?? `text matching ${schema.pattern}`}, got ${got}`;
    default: {
      const literals = literalsOf(schema);
      if (literals && typeof value === "string") return `must be one of ${literals.join(", ")}; got ${got}${didYouMean(value, literals)}`;
      return `expected ${expectedOf(schema)}, got ${got}`;
    }
  }
}
