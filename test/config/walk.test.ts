// The walker against hand-built schemas: every keyword it meets is enforced with a
// file:line:col message, and a keyword it cannot enforce stops it before any config is read.
import { describe, expect, test } from "bun:test";
import { Type, type TSchema } from "@sinclair/typebox";
import { LineCounter, parseDocument, type Node } from "yaml";
import { Aliases } from "../../src/config/aliases.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { assertWalkable, isInvalid, walkDocument, type WalkContext } from "../../src/config/walk.ts";
import { formatIssue } from "../../src/lib/errors.ts";

function walkText(schema: TSchema, text: string, env: Record<string, string> = {}): { value: unknown; issues: string[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  const ctx: WalkContext = { file: "t.yaml", lineCounter, env, issues: [], positions: new Map(), substituted: [], aliases: new Aliases(doc) };
  const value = walkDocument(ctx, doc.contents as Node | null, schema);
  return { value: isInvalid(value) ? "invalid" : value, issues: ctx.issues.map(formatIssue) };
}

const strict = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, { additionalProperties: false });

describe("keywords are enforced", () => {
  const schema = strict({
    code: Type.Optional(Type.String({ maxLength: 4, pattern: "^[a-z]+$", description: "a lower-case code" })),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    ratio: Type.Optional(Type.Number({ exclusiveMaximum: 1, multipleOf: 0.25 })),
    names: Type.Optional(Type.Record(Type.String({ pattern: "^[a-z]+$" }), Type.Boolean())),
  });

  test("maxLength and pattern, at the value's position", () => {
    expect(walkText(schema, "code: abcdef\n").issues).toEqual(["t.yaml:1:7 code: must be at most 4 characters, got 6"]);
    expect(walkText(schema, "\ncode: AB\n").issues).toEqual(['t.yaml:2:7 code: must be a lower-case code, got "AB"']);
    expect(walkText(schema, "code: abc\n")).toEqual({ value: { code: "abc" }, issues: [] });
  });

  test("a value from the environment is checked like one written in the file", () => {
    expect(walkText(schema, "code: ${CODE}\n", { CODE: "TOOLONG" }).issues).toEqual(["t.yaml:1:7 code: must be at most 4 characters, got 7"]);
  });

  test("maximum, exclusiveMaximum and multipleOf", () => {
    expect(walkText(schema, "count: 6\nratio: 1\n").issues).toEqual(["t.yaml:1:8 count: must be from 1 to 5, got 6", "t.yaml:2:8 ratio: must be less than 1, got 1"]);
    expect(walkText(schema, "ratio: 0.3\n").issues).toEqual(["t.yaml:1:8 ratio: must be a multiple of 0.25, got 0.3"]);
  });

  test("the key pattern of a record", () => {
    expect(walkText(schema, "names:\n  ok: true\n  Bad: true\n")).toEqual({
      value: { names: { ok: true } },
      issues: ['t.yaml:3:3 names: name "Bad" must match ^[a-z]+$'],
    });
  });
});

describe("keywords the walker cannot enforce stop it at first use", () => {
  const cases: Array<[string, TSchema, string]> = [
    ["uniqueItems on a list", strict({ a: Type.Array(Type.String(), { uniqueItems: true }) }), '"uniqueItems" on Array'],
    ["minItems on a list", strict({ a: Type.Array(Type.String(), { minItems: 1 }) }), '"minItems" on Array'],
    ["a string format", strict({ a: Type.String({ format: "email" }) }), '"format" on String'],
    ["a default nothing applies", strict({ a: Type.Optional(Type.Boolean({ default: true })) }), '"default" on Boolean'],
    ["a kind it does not walk", strict({ a: Type.Any() }), "does not handle Any"],
    ["an object that allows unknown keys", Type.Object({ a: Type.String() }), "additionalProperties: false"],
  ];
  for (const [name, schema, problem] of cases) {
    test(name, () => {
      expect(() => walkText(schema, "a: x\n")).toThrow(problem);
    });
  }

  test("the message names where in the schema the keyword is", () => {
    const nested = strict({ bots: Type.Record(Type.String(), strict({ tags: Type.Array(Type.String({ format: "uri" })) })) });
    expect(() => assertWalkable(nested)).toThrow('schema.bots.^(.*)$.tags.items: the config walker does not enforce "format" on String');
  });

  test("the config schema itself is walkable", () => {
    expect(() => assertWalkable(ConfigSchema)).not.toThrow();
  });
});
