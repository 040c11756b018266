import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { checkLayers } from "../../scripts/check-layers.ts";

let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  dir = mkdtempSync(join(tmpdir(), "layers-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe("check-layers", () => {
  test("downward imports, imports inside a folder and dynamic imports of lower layers pass", () => {
    const report = checkLayers(tree({
      "lib/a.ts": "export const a = 1;\n",
      "config/b.ts": 'import { a } from "../lib/a.ts";\nimport type { c } from "./c.ts";\n',
      "config/c.ts": "export type c = number;\n",
      "main.ts": 'const m = await import("./cli/x.ts");\n',
      "cli/x.ts": 'export { a } from "../lib/a.ts";\n',
    }));
    expect(report.problems).toEqual([]);
    expect(report.imports).toBe(4);
  });

  test("an upward import, a same-rank import, an unknown folder and a cycle are each named", () => {
    const report = checkLayers(tree({
      "lib/a.ts": 'import { h } from "../http/h.ts";\n',
      "http/h.ts": "export const h = 1;\n",
      "inbound/i.ts": 'import { d } from "../delivery/d.ts";\n',
      "delivery/d.ts": "export const d = 1;\n",
      "stray/s.ts": "export const s = 1;\n",
      "keys/x.ts": 'import { y } from "./y.ts";\nexport const x = 1;\n',
      "keys/y.ts": 'import { x } from "./x.ts";\nexport const y = 1;\n',
    }));
    expect(report.problems).toEqual(expect.arrayContaining([
      expect.stringContaining("lib/a.ts imports http/h.ts: http (rank 8) is a higher layer than lib (rank 0)"),
      expect.stringContaining("inbound/i.ts imports delivery/d.ts: delivery (rank 6) is a layer of the same rank"),
      expect.stringContaining("stray/s.ts: not in any layer"),
      expect.stringMatching(/^import cycle: keys\/(x|y)\.ts -> keys\/(x|y)\.ts$/),
    ]));
    expect(report.problems).toHaveLength(4);
  });
});
