// Walks the YAML tree against the TypeBox schema. Walking the tree (rather than
// validating the plain JS value afterwards) keeps every node's position at hand, so each
// error names file:line:col of the exact key or value at fault.
import { Kind, OptionalKind, type TSchema } from "@sinclair/typebox";
import { isAlias, isMap, isScalar, isSeq, type Alias, type LineCounter, type Node } from "yaml";
import type { ConfigIssue } from "../lib/errors.ts";
import { didYouMean } from "../lib/did-you-mean.ts";
import { expectedOf, literalsOf, problemWith, showValue } from "../lib/schema-messages.ts";
import { redactUrl } from "../lib/redact.ts";
import type { Aliases } from "./aliases.ts";
import { hasEnvReference, interpolateEnv } from "./env.ts";
import { HIDDEN, secrecyOf, showScalar } from "./secrets.ts";

export type Path = readonly string[];
export interface Position {
  line: number;
  col: number;
}

export interface WalkContext {
  file: string;
  lineCounter: LineCounter;
  env: Readonly<Record<string, string | undefined>>;
  issues: ConfigIssue[];
  /** Source offsets of values (and of keys, under `pathKey(path, "key")`); lines are computed only for errors. */
  positions: Map<string, number>;
  /** Values read from the environment into secret fields (token, passphrase, secret: secrets.ts). */
  substituted: string[];
  aliases: Aliases;
  /** Offset of the outermost alias being expanded; undefined outside aliases. */
  expanding?: number;
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

/** Problems listed at most; a file of garbage must not make megabytes of messages. */
export const MAX_LISTED_ISSUES = 100;

export function report(ctx: WalkContext, at: Position, message: string, severity: ConfigIssue["severity"] = "error") {
  ctx.issues.push({ file: ctx.file, line: at.line, col: at.col, message, severity });
}

/** A Position whose line/col are computed on first read. */
function lazyPosition(ctx: WalkContext, offset: number): Position {
  let cached: Position | undefined;
  const get = () => (cached ??= positionAt(ctx, offset));
  return { get line() { return get().line; }, get col() { return get().col; } };
}

const INVALID = Symbol("invalid");
export type Walked = unknown | typeof INVALID;
export const isInvalid = (value: unknown): value is typeof INVALID => value === INVALID;

/**
 * Keywords the walker enforces, per kind: the structural ones here, the scalar ones
 * through TypeBox's own check. Annotations are allowed anywhere. A schema with any other
 * keyword (or kind) is refused before the first config is read, so no rule in schema.ts
 * can be silently ignored.
 */
const ANNOTATIONS = ["description", "title", "examples", "$comment"];
const NUMBER_KEYWORDS = ["type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];
const KEYWORDS: Record<string, readonly string[]> = {
  // Structural: enforced by the walk below.
  Object: ["type", "properties", "required", "additionalProperties"], Record: ["type", "patternProperties"], Array: ["type", "items"], Union: ["anyOf"],
  // Scalar: enforced by TypeBox (problemWith), after the YAML value is read as the type.
  String: ["type", "minLength", "maxLength", "pattern"], Integer: NUMBER_KEYWORDS, Number: NUMBER_KEYWORDS, Boolean: ["type"], Literal: ["type", "const"],
};
const checkedSchemas = new WeakSet<TSchema>();
/** TypeBox's Record over string keys: any key. */
const ANY_KEY = "^(.*)$";

/** Throws (a programming error, not a config error) if the walker cannot enforce `schema`. */
export function assertWalkable(schema: TSchema, where = "schema"): void {
  if (checkedSchemas.has(schema)) return;
  const kind = String(schema[Kind]);
  const allowed = KEYWORDS[kind];
  if (!allowed) throw new Error(`${where}: the config walker does not handle ${kind} schemas`);
  for (const keyword of Object.keys(schema)) {
    if (!allowed.includes(keyword) && !ANNOTATIONS.includes(keyword))
      throw new Error(`${where}: the config walker does not enforce "${keyword}" on ${kind}; enforce it in walk.ts or remove it`);
  }
  if (kind === "Object" && schema.additionalProperties !== false)
    throw new Error(`${where}: objects must set additionalProperties: false (unknown keys are config errors)`);
  const children: Array<[string, TSchema]> =
    kind === "Object" ? Object.entries(schema.properties as Record<string, TSchema>)
    : kind === "Record" ? Object.entries(schema.patternProperties as Record<string, TSchema>)
    : kind === "Array" ? [["items", schema.items as TSchema]]
    : kind === "Union" ? (schema.anyOf as TSchema[]).map((option, index): [string, TSchema] => [String(index), option])
    : [];
  for (const [name, child] of children) assertWalkable(child, `${where}.${name}`);
  checkedSchemas.add(schema);
}

/** Walks a whole document against `schema`, after making sure every keyword is enforced. */
export function walkDocument(ctx: WalkContext, node: Node | null | undefined, schema: TSchema): Walked {
  assertWalkable(schema);
  const walked = walk(ctx, node, schema, []);
  const { overrunAt, budget } = ctx.aliases;
  if (overrunAt !== undefined)
    report(ctx, positionAt(ctx, overrunAt), `YAML aliases (*name) expand to more than ${budget.toLocaleString("en")} values; the file is refused. Write the repeated parts out, or use fewer aliases`);
  return walked;
}

function walk(ctx: WalkContext, raw: Node | null | undefined, schema: TSchema, path: Path): Walked {
  if (ctx.expanding !== undefined && !ctx.aliases.charge(ctx.expanding)) return INVALID;
  if (isAlias(raw)) return walkAlias(ctx, raw, schema, path);
  const node = raw;
  const offset = offsetOf(node);
  ctx.positions.set(pathKey(path), offset);
  // Errors are rare: compute line and column only when one is reported.
  const at = lazyPosition(ctx, offset);
  const kind = schema[Kind] as string;
  if (kind === "Object") return walkObject(ctx, node, schema, path, at);
  if (kind === "Record") return walkRecord(ctx, node, schema, path, at);
  if (kind === "Array") return walkArray(ctx, node, schema, path, at);
  // An enumeration is one scalar; other unions pick an alternative by the node's shape.
  if (kind === "Union" && !literalsOf(schema)) return walkUnion(ctx, node, schema, path, at);
  return walkScalar(ctx, node, schema, path, at);
}

function walkAlias(ctx: WalkContext, alias: Alias, schema: TSchema, path: Path): Walked {
  const target = ctx.aliases.resolve(alias);
  if (!target) {
    report(ctx, positionAt(ctx, offsetOf(alias)), `${showPath(path)}: alias *${alias.source} has no anchor &${alias.source} before it`);
    return INVALID;
  }
  const outermost = ctx.expanding === undefined;
  if (outermost) ctx.expanding = offsetOf(alias);
  try {
    return walk(ctx, target, schema, path);
  } finally {
    if (outermost) ctx.expanding = undefined;
  }
}

function describeNode(node: Node | null | undefined, path: Path): string {
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return node.value === null ? "an empty value" : showScalar(node.value, path);
  return "nothing";
}

function walkObject(ctx: WalkContext, node: Node | null | undefined, schema: TSchema, path: Path, at: Position): Walked {
  if (!isMap(node)) {
    report(ctx, at, `${showPath(path)}: expected a mapping (key: value lines), got ${describeNode(node, path)}`);
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
    report(ctx, at, `${showPath(path)}: expected a mapping of names, got ${describeNode(node, path)}`);
    return INVALID;
  }
  const [pattern, valueSchema] = Object.entries(schema.patternProperties as Record<string, TSchema>)[0]!;
  const keyPattern = pattern === ANY_KEY ? undefined : new RegExp(pattern);
  const out: Record<string, unknown> = {};
  const seen = new Map<string, Position>();
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : "";
    const keyAt = lazyPosition(ctx, offsetOf(keyNode));
    if (isDuplicate(ctx, seen, key, keyAt)) continue;
    if (keyPattern && !keyPattern.test(key)) {
      report(ctx, keyAt, `${showPath(path)}: name "${key}" must match ${pattern}`);
      continue;
    }
    ctx.positions.set(pathKey([...path, key], "key"), offsetOf(keyNode));
    const value = walk(ctx, pair.value as Node | null, valueSchema, [...path, key]);
    // Invalid entries are reported and dropped; the rest is still checked.
    if (!isInvalid(value)) out[key] = value;
  }
  return out;
}

function walkArray(ctx: WalkContext, node: Node | null | undefined, schema: TSchema, path: Path, at: Position): Walked {
  if (!isSeq(node)) {
    report(ctx, at, `${showPath(path)}: expected a list ([a, b] or "- a" lines), got ${describeNode(node, path)}`);
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
  // Pick the alternative matching the node's shape, so the error speaks about that shape.
  const shape = isMap(node) ? "map" : isSeq(node) ? "seq" : "scalar";
  const shapeOf = (option: TSchema) =>
    option[Kind] === "Object" || option[Kind] === "Record" ? "map" : option[Kind] === "Array" ? "seq" : "scalar";
  const candidates = options.filter((option) => shapeOf(option) === shape);
  if (candidates.length === 0) {
    report(ctx, at, `${showPath(path)}: expected ${String(schema.description ?? "another kind of value")}, got ${describeNode(node, path)}`);
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
  report(ctx, at, `${showPath(path)}: expected ${String(schema.description ?? "a different value")}, got ${describeNode(node, path)}`);
  return INVALID;
}

/** A scalar's value with `${VAR}` references replaced; reports missing variables. */
function interpolatedScalar(ctx: WalkContext, node: Node, path: Path, at: Position): unknown {
  if (!isScalar(node)) return INVALID;
  const value = node.value;
  if (typeof value !== "string" || !hasEnvReference(value)) return value;
  const result = interpolateEnv(value, ctx.env);
  for (const name of result.missing) {
    report(ctx, at, `${showPath(path)}: environment variable ${name} is not set; export it, or give a default: \${${name}:-value}`);
  }
  // Only secret fields are masked: `data_dir: ${STATE_DIRECTORY}` must stay readable in logs.
  if (secrecyOf(path) === "hidden") ctx.substituted.push(...result.substituted);
  return result.missing.length > 0 ? INVALID : result.value;
}

function walkScalar(ctx: WalkContext, node: Node | null | undefined, schema: TSchema, path: Path, at: Position): Walked {
  if (!isScalar(node)) {
    report(ctx, at, `${showPath(path)}: expected ${expectedOf(schema)}, got ${describeNode(node, path)}`);
    return INVALID;
  }
  const fromEnv = typeof node.value === "string" && hasEnvReference(node.value);
  const value = interpolatedScalar(ctx, node, path, at);
  if (isInvalid(value)) return INVALID;
  const coerced = readAs(schema[Kind] as string, value, node.source, fromEnv);
  // Every keyword (type, bounds, lengths, patterns, enumerations) is TypeBox's to check.
  const problem = problemWith(schema, coerced);
  if (problem) {
    report(ctx, at, `${showPath(path)}: ${withoutSecret(problem, coerced, path)}`);
    return INVALID;
  }
  return coerced;
}

/** TypeBox's message echoes the value through showValue: mask that part for secret positions. */
function withoutSecret(problem: string, value: unknown, path: Path): string {
  const secrecy = secrecyOf(path);
  if (secrecy === "plain") return problem;
  const shown = secrecy === "hidden" ? HIDDEN : showValue(typeof value === "string" ? redactUrl(value) : value);
  return problem.replaceAll(showValue(value), shown);
}

/**
 * A number where a string belongs keeps its written form: YAML reads 0123 as 123 and
 * 12345678901234567890 as 12345678901234567000, which would silently change a token.
 * A ${VAR} is text, and may stand for a number or a boolean. Anything else is as YAML read it.
 */
function readAs(kind: string, value: unknown, source: unknown, fromEnv: boolean): unknown {
  if (kind === "String" && typeof value === "number") return typeof source === "string" ? source : String(value);
  const text = fromEnv && typeof value === "string" ? value.trim() : undefined;
  if (text === undefined) return value;
  if ((kind === "Integer" || kind === "Number") && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (kind === "Boolean" && /^(true|false)$/i.test(text)) return text.toLowerCase() === "true";
  return value;
}
