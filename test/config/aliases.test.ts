// YAML aliases: ordinary sharing works; what they expand to is bounded, so an alias bomb
// is a positioned error instead of minutes of CPU and gigabytes of memory.
import { describe, expect, test } from "bun:test";
import { LineCounter, parseDocument, type Node } from "yaml";
import { Aliases, MAX_ALIAS_VALUES } from "../../src/config/aliases.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { walkDocument, type WalkContext } from "../../src/config/walk.ts";
import { formatIssue } from "../../src/lib/errors.ts";
import { BOT_TOKEN, issues, load, yaml } from "./helpers.ts";

/** The classic "billion laughs": each level holds nine aliases of the one before. */
function billionLaughs(levels: number): string {
  const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let level = 1; level < levels; level++) lines.push(`a${level}: &a${level} [${Array(9).fill(`*a${level - 1}`).join(", ")}]`);
  return `groups:\n${lines.map((line) => `  ${line}`).join("\n")}\n`;
}

/** A wide list aliased many times: what the schema lets through (lists are one level deep). */
function wideBomb(width: number, copies: number): string {
  const users = Array.from({ length: width }, (_, i) => `  u${i}: ${10_000_000 + i}`).join("\n");
  const names = Array.from({ length: width }, (_, i) => `u${i}`).join(", ");
  const refs = Array.from({ length: copies }, (_, i) => `  g${i}: *all`).join("\n");
  return `users:\n${users}\ngroups:\n  all: &all [${names}]\n${refs}\n`;
}

/** Walks `text` against the config schema with an alias budget; returns issues and how many values were walked through aliases. */
function walkWithBudget(text: string, budget: number): { issues: string[]; spent: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  const aliases = new Aliases(doc, budget);
  let spent = 0;
  const charge = aliases.charge.bind(aliases);
  aliases.charge = (offset) => (spent++, charge(offset));
  const ctx: WalkContext = { file: "c.yaml", lineCounter, env: {}, issues: [], positions: new Map(), substituted: [], aliases };
  walkDocument(ctx, doc.contents as Node | null, ConfigSchema);
  return { issues: ctx.issues.map(formatIssue), spent };
}

describe("aliases that share config", () => {
  test("texts and access shared between bots, and a member list shared between groups", () => {
    const config = load(yaml`
      bots:
        a: { token: "${BOT_TOKEN}", texts: &texts { key_issued: "Key: {key}" }, access: &access { passphrase: tulip-42 } }
        b: { token: "123456789:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", texts: *texts, access: *access }
      users: { ann: 48213977, bob: 51928374 }
      groups:
        ops: &people [ann, bob]
        oncall: *people
    `);
    expect(config.bots.get("b")!.texts).toEqual({ key_issued: "Key: {key}" });
    expect(config.bots.get("b")!.access).toEqual({ mode: "restricted", userIds: [], usernames: [], passphrase: "tulip-42" });
    expect(config.groups.get("oncall")!.users).toEqual(["ann", "bob"]);
  });

  test("an alias names the last anchor of its name before it", () => {
    const config = load("users: { ann: 48213977, bob: 51928374 }\ngroups:\n  a: &x [ann]\n  b: &x [bob]\n  c: *x\n");
    expect(config.groups.get("c")!.users).toEqual(["bob"]);
  });

  test("an alias without an anchor before it is an error at the alias", () => {
    expect(issues("users:\n  ann: *nope\n")).toEqual(["c.yaml:2:8 users.ann: alias *nope has no anchor &nope before it"]);
  });

  test("an alias inside its own anchor ends at the schema, not in a loop", () => {
    expect(issues("groups:\n  g: &g [a, *g]\n")).toContain('c.yaml:2:9 groups.g.1: expected a string, got a list');
  });
});

describe("the alias budget", () => {
  test("a wide list aliased a thousand times is refused at the alias where the budget ran out", () => {
    // 2,000 names × 1,000 aliases: 2 million values. The old walker took minutes on less.
    const text = wideBomb(2_000, 1_000);
    const found = issues(text);
    // Each alias stands for 2,001 values (the list and its names): the 50th, g49 on line
    // 2053, crosses 100,000.
    expect(found).toContain(
      `c.yaml:2053:8 YAML aliases (*name) expand to more than ${MAX_ALIAS_VALUES.toLocaleString("en")} values; the file is refused. Write the repeated parts out, or use fewer aliases`,
    );
  });

  test("the work done through aliases stops at the budget, however far the file would expand", () => {
    for (const copies of [100, 1_000, 10_000]) {
      const { issues: found, spent } = walkWithBudget(wideBomb(200, copies), 5_000);
      expect(found.some((line) => line.includes("expand to more than 5,000 values"))).toBe(true);
      // Past the budget, each remaining alias is charged once and stops there.
      expect(spent).toBeLessThanOrEqual(5_000 + copies + 1);
    }
  });

  test("a billion laughs never gets past the schema: lists hold names, not lists", () => {
    const found = issues(billionLaughs(9));
    expect(found[0]).toBe("c.yaml:2:11 groups.a1.0: expected a string, got a list");
    // One complaint per alias written in the file (and 9 "lol"s that are no user), none
    // for what they would expand to.
    expect(found.filter((line) => line.endsWith("expected a string, got a list")).length).toBe(72);
    expect(found.length).toBe(81);
  });

  test("within the budget, aliases cost nothing extra", () => {
    const { issues: found, spent } = walkWithBudget("groups:\n  a: &x [p, q, r]\n  b: *x\n  c: *x\n", 1_000);
    expect(found).toEqual([]);
    expect(spent).toBe(8); // two aliases of a list and its three items
  });
});
