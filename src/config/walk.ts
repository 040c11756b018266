// Walks the YAML tree against the TypeBox schema. Walking the tree (rather than
// validating the plain JS value afterwards) keeps every node's position at hand, so each
// error names file:line:col of the exact key or value at fault.
import { Kind, OptionalKind, type TSchema } from "@sinclair/typebox";
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import type { ConfigIssue } from "../lib/errors.ts";
import { didYouMean } from "../lib/did-you-mean.ts";
import { hasEnvReference, interpolateEnv } from "./env.ts";

export type Path = readonly string[];
export interface Position {
  line: number;
  col: number;
}

export interface WalkContext {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
  env: Readonly<Record<string, string | undefined>>;
  issues: ConfigIssue[];
  /** Source offsets of values (and of keys, under `pathKey(path, "key")`); lines are computed only for errors. */
  positions: Map<string, number>;
  /** Values read from the environment into secret fields (tokens, passphrases, proxies). */
  substituted: string[];
}

export function pathKey(path: Path, part: "value" | "key" = "value"): string {
  return `${part}\u0000${path.join("\u0000")}`;
}

/** Human form of a path: bots.main.poll */
export function showPath(path: Path): string {
  return path.length === 0 ? "config" : path.join(".");
}

export function positionAt(ctx: WalkContext, offset: number): Position {
  return ctx.lineCounter.linePos(offset);
}

const offsetOf = (node: Node | null | undefined): number => node?.range?.[0] ?? 0;

export function report(ctx: WalkContext, at: Position, message: string, severity: ConfigIssue["severity"] = "error") {
  ctx.issues.push({ file: ctx.file, line: at.line, col: at.col, message, severity });
}

/** A Position whose line/col are computed on first read. */
function lazyPosition(ctx: WalkContext, offset: number): Position {
  let cached: Position | undefined;
  const get = () => (cached ??= positionAt(ctx, offset));
  return {
    get line() {
      return get().line;
    },
    get col() {
      return get().col;
    },
  };
}

/** Fields whose environment-supplied values are secrets (a proxy URL may carry credentials). */
const SECRET_FIELDS = new Set(["token", "passphrase", "proxy"]);

const INVALID = Symbol("invalid");
export type Walked = unknown | typeof INVALID;
export const isInvalid = (value: unknown): value is typeof INVALID => value === INVALID;

export function walk(ctx: WalkContext, raw: Node | null | undefined, schema: TSchema, path: Path): Walked {
  const node = isAlias(raw) ? (raw.resolve(ctx.doc) as Node | undefined) : raw;
  const offset = offsetOf(node ?? raw);
  ctx.positions.set(pathKey(path), offset);
  // Errors are rare: compute line and column only when one is reported.
  const at = lazyPosition(ctx, offset);
  const kind = schema[Kind] as string;
  switch (kind) {
    case "Object":
      return walkObject(ctx, node, schema, path, at);
    case "Record":
      return walkRecord(ctx, node, schema, path, at);
    case "Array":
      return walkArray(ctx, node, schema, path, at);
    case "Union":
      return walkUnion(ctx, node, schema, path, at);
    default:
      return walkScalar(ctx, node, schema, path, at);
  }
}

function describeNode(node: Node | null | undefined): string {
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return node.value === null ? "an empty value" : JSON.stringify(node.value);
  return "nothing";
}

function walkObject(ctx: WalkContext, node: Node | null | undefined, schema: TSchema, path: Path, at: Position): Walked {
  if (!isMap(node)) {
    report(ctx, at, `${showPath(path)}: expected a mapping (key: value lines), got ${describeNode(node)}`);
    return INVALID;
  }
  const properties = schema.properties as Record<string, TSchema>;
  const out: Record<string, unknown> = {};
  const seen = new Map<string, Position>();
  let valid = true;
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : "";
    const keyAt = lazyPosition(ctx, offsetOf(keyNode));
    if (isDuplicate(ctx, seen, key, keyAt)) continue;
    const property = properties[key];
    if (!property) {
      report(ctx, keyAt, `unknown key "${key}" in ${showPath(path)}${didYouMean(key, Object.keys(properties))}`);
      continue;
    }
    ctx.positions.set(pathKey([...path, key], "key"), offsetOf(keyNode));
    const valueNode = pair.value as Node | null;
    if (isScalar(valueNode) && valueNode.value === null && property[OptionalKind] === "Optional") continue;
    const value = walk(ctx, valueNode, property, [...path, key]);
    // An invalid optional value is reported and dropped, so the rest still gets checked.
    if (isInvalid(value)) valid &&= property[OptionalKind] === "Optional";
    else out[key] = value;
  }
  for (const required of (schema.required as string[] | undefined) ?? []) {
    if (!node.items.some((pair) => isScalar(pair.key) && String(pair.key.value) === required)) {
      report(ctx, at, `${showPath(path)}: missing required key "${required}"`);
      valid = false;
    }
  }
  return valid ? out : INVALID;
}

/**
 * Duplicate keys are checked here rather than by the YAML parser: its check compares
 * every key with every other (quadratic), which made a 10,000-user config slow to load.
 */
function isDuplicate(ctx: WalkContext, seen: Map<string, Position>, key: string, at: Position): boolean {
  const first = seen.get(key);
  if (first) {
    report(ctx, at, `duplicate key "${key}": it already appears at line ${first.line}; keep one`);
    return true;
  }
  seen.set(key, at);
  return false;
}

function walkRecord(ctx: WalkContext, node: Node | null | undefined, schema: TSchema, path: Path, at: Position): Walked {
  if (isScalar(node) && node.value === null) return {};
  if (!isMap(node)) {
    report(ctx, at, `${showPath(path)}: expected a mapping of names, got ${describeNode(node)}`);
    return INVALID;
  }
  const valueSchema = Object.values(schema.patternProperties as Record<string, TSchema>)[0]!;
  const out: Record<string, unknown> = {};
  const seen = new Map<string, Position>();
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : "";
    const keyAt = lazyPosition(ctx, offsetOf(keyNode));
    if (isDuplicate(ctx, seen, key, keyAt)) continue;
    ctx.positions.set(pathKey([...path, key], "key"), offsetOf(keyNode));
    const value = walk(ctx, pair.value as Node | null, valueSchema, [...path, key]);
    // Invalid entries are reported and dropped; the rest is still checked.
    if (!isInvalid(value)) out[key] = value;
  }
  return out;
}

function walkArray(ctx: WalkContext, node: Node | null | undefined, schema: TSchema, path: Path, at: Position): Walked {
  if (!isSeq(node)) {
    report(ctx, at, `${showPath(path)}: expected a list ([a, b] or "- a" lines), got ${describeNode(node)}`);
    return INVALID;
  }
  let valid = true;
  const out = node.items.map((item, index) => {
    const value = walk(ctx, item as Node | null, schema.items as TSchema, [...path, String(index)]);
    if (isInvalid(value)) valid = false;
    return value;
  });
  return valid ? out : INVALID;
}

function walkUnion(ctx: WalkContext, node: Node | null | undefined, schema: TSchema, path: Path, at: Position): Walked {
  const options = schema.anyOf as TSchema[];
  if (options.every((option) => option[Kind] === "Literal")) {
    const allowed = options.map((option) => String(option.const));
    const value = isScalar(node) ? interpolatedScalar(ctx, node, path, at) : undefined;
    if (typeof value === "string" && allowed.includes(value)) return value;
    if (value !== INVALID) {
      const got = typeof value === "string" ? value : describeNode(node);
      report(ctx, at, `${showPath(path)}: must be one of ${allowed.join(", ")}; got ${JSON.stringify(got)}${didYouMean(String(got), allowed)}`);
    }
    return INVALID;
  }
  // Pick the alternative matching the node's shape, so the error speaks about that shape.
  const shape = isMap(node) ? "map" : isSeq(node) ? "seq" : "scalar";
  const shapeOf = (option: TSchema) =>
    option[Kind] === "Object" || option[Kind] === "Record" ? "map" : option[Kind] === "Array" ? "seq" : "scalar";
  const candidates = options.filter((option) => shapeOf(option) === shape);
  if (candidates.length === 0) {
    report(ctx, at, `${showPath(path)}: expected ${String(schema.description ?? "another kind of value")}, got ${describeNode(node)}`);
    return INVALID;
  }
  if (candidates.length === 1) return walk(ctx, node, candidates[0]!, path);
  // Several scalar alternatives (e.g. integer or string): the first that accepts wins.
  for (const candidate of candidates) {
    const probe: WalkContext = { ...ctx, issues: [], substituted: [] };
    const value = walk(probe, node, candidate, path);
    if (!isInvalid(value)) {
      ctx.substituted.push(...probe.substituted);
      return value;
    }
  }
  report(ctx, at, `${showPath(path)}: expected ${String(schema.description ?? "a different value")}, got ${describeNode(node)}`);
  return INVALID;
}

/** A scalar's value with `${VAR}` references replaced; reports missing variables. */
function interpolatedScalar(ctx: WalkContext, node: Node, path: Path, at: Position): unknown {
  if (!isScalar(node)) return INVALID;
  const value = node.value;
  if (typeof value !== "string" || !hasEnvReference(value)) return value;
  const result = interpolateEnv(value, ctx.env);
  for (const name of result.missing) {
    report(
      ctx,
      at,
      `${showPath(path)}: environment variable ${name} is not set; export it, or give a default: \${${name}:-value}`,
    );
  }
  // Only secret fields are masked: `data_dir: ${STATE_DIRECTORY}` must stay readable in logs.
  if (SECRET_FIELDS.has(path.at(-1) ?? "")) ctx.substituted.push(...result.substituted);
  return result.missing.length > 0 ? INVALID : result.value;
}

function walkScalar(ctx: WalkContext, node: Node | null | undefined, schema: TSchema, path: Path, at: Position): Walked {
  if (!isScalar(node)) {
    report(ctx, at, `${showPath(path)}: expected ${expected(schema)}, got ${describeNode(node)}`);
    return INVALID;
  }
  const fromEnv = typeof node.value === "string" && hasEnvReference(node.value);
  const value = interpolatedScalar(ctx, node, path, at);
  if (isInvalid(value)) return INVALID;
  // A number where a string belongs keeps its written form: YAML reads 0123 as 123 and
  // 12345678901234567890 as 12345678901234567000, which would silently change a token.
  const written = typeof value === "number" && typeof node.source === "string" ? node.source : value;
  const coerced = coerce(schema[Kind] === "String" ? written : value, schema[Kind] as string, fromEnv);
  if (coerced === undefined) {
    report(ctx, at, `${showPath(path)}: expected ${expected(schema)}, got ${JSON.stringify(value)}`);
    return INVALID;
  }
  const problem = checkBounds(coerced, schema);
  if (problem) {
    report(ctx, at, `${showPath(path)}: ${problem}`);
    return INVALID;
  }
  return coerced;
}

function coerce(value: unknown, kind: string, fromEnv: boolean): unknown {
  switch (kind) {
    case "String":
      // A bare number (e.g. a title "2024") reads as a string; true/false/null do not.
      return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
    case "Integer":
      if (typeof value === "number" && Number.isInteger(value)) return value;
      if (fromEnv && typeof value === "string" && /^-?\d+$/.test(value.trim())) return Number(value.trim());
      return undefined;
    case "Number":
      if (typeof value === "number") return value;
      if (fromEnv && typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
      return undefined;
    case "Boolean":
      if (typeof value === "boolean") return value;
      if (fromEnv && typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
      return undefined;
    case "Literal":
      return value;
    default:
      return value;
  }
}

function expected(schema: TSchema): string {
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

function checkBounds(value: unknown, schema: TSchema): string | undefined {
  if (schema[Kind] === "Literal" && value !== schema.const) return `expected ${JSON.stringify(schema.const)}`;
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) return `must be at least ${schema.minimum}, got ${value}`;
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum)
      return `must be greater than ${schema.exclusiveMinimum}, got ${value}`;
    if (typeof schema.maximum === "number" && value > schema.maximum) return `must be at most ${schema.maximum}, got ${value}`;
  }
  if (typeof value === "string" && typeof schema.minLength === "number" && value.length < schema.minLength)
    return schema.minLength === 1 ? "must not be empty" : `must be at least ${schema.minLength} characters`;
  return undefined;
}
