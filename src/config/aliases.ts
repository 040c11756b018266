// YAML aliases (`*name`) for the walker: resolved in one pass, and walked within a budget.
//
// An alias stands for a whole subtree, and aliases may refer to subtrees full of aliases:
// nine lines of `b: &b [*a, *a, ...]` expand to 9^9 values (a "billion laughs" alias bomb;
// a 58 KB one held a reload for 51 s and 4.1 GB). yaml's own guard, `maxAliasCount`, only
// applies to `toJS()`, which the walker does not use (it walks nodes to keep positions),
// and it counts references rather than values: a 100,000-item list aliased 100 times
// passes it. So the walker counts what it walks through aliases instead.
import { isAlias, visit, type Alias, type Document, type Node } from "yaml";

/** Values the walker may visit through aliases, on top of the file's own. */
export const MAX_ALIAS_VALUES = 100_000;

export class Aliases {
  #targets: Map<Alias, Node | undefined> | undefined;
  #left: number;
  /** Source offset of the alias whose expansion ran out of budget (the first one). */
  overrunAt: number | undefined;

  constructor(
    private readonly doc: Document,
    readonly budget = MAX_ALIAS_VALUES,
  ) {
    this.#left = budget;
  }

  /**
   * The node an alias stands for: the last node anchored with its name before it (YAML
   * 1.2). Indexed in one pass on first use; yaml's `Alias.resolve` scans the whole
   * document for every alias, which is quadratic in the number of aliases.
   */
  resolve(alias: Alias): Node | undefined {
    this.#targets ??= indexAliases(this.doc);
    return this.#targets.get(alias);
  }

  /** Counts one value walked through an alias expanded at `aliasOffset`; false once over budget. */
  charge(aliasOffset: number): boolean {
    if (--this.#left >= 0) return true;
    this.overrunAt ??= aliasOffset;
    return false;
  }
}

function indexAliases(doc: Document): Map<Alias, Node | undefined> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node | undefined>();
  // visit() goes in document order, a collection before its items.
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  return targets;
}
