// The layering rule, checked in CI: each folder of src/ is one layer, and a file imports only
// from its own folder or from a lower layer. Two folders of the same rank are independent.
// No import cycles between files either. README's "Architecture" section draws the same map.
//
//   bun scripts/check-layers.ts        exits 1 and names every offending import
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Rank of each layer (folder of src/, or a file at its root); lower ranks are imported by higher ones. */
export const LAYERS: Record<string, number> = {
  "lib": 0,
  "version.ts": 0,
  "platform": 1,
  "emulator": 1,
  "storage": 2,
  "keys": 3,
  "events": 3,
  "config": 4,
  "telegram": 5,
  "inbound": 6,
  "delivery": 6,
  "templates": 7,
  "http": 8,
  "gateway": 9,
  "cli": 10,
  "main.ts": 11,
};

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g;

export interface LayerReport {
  problems: string[];
  files: number;
  imports: number;
}

export function checkLayers(srcDir: string): LayerReport {
  const files = listTs(srcDir);
  const graph = new Map<string, string[]>();
  const problems: string[] = [];
  let imports = 0;
  for (const file of files) {
    const from = relative(srcDir, file);
    const targets: string[] = [];
    if (!layerOf(from)) problems.push(`${from}: not in any layer; add its folder to LAYERS in scripts/check-layers.ts`);
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const spec = match[1] ?? match[2]!;
      if (!spec.startsWith(".")) continue;
      const to = relative(srcDir, resolve(dirname(file), spec));
      targets.push(to);
      imports++;
      const problem = judge(from, to);
      if (problem) problems.push(problem);
    }
    graph.set(from, targets);
  }
  for (const cycle of findCycles(graph)) problems.push(`import cycle: ${cycle.join(" -> ")}`);
  return { problems, files: files.length, imports };
}

function judge(from: string, to: string): string | undefined {
  const [a, b] = [layerOf(from), layerOf(to)];
  if (a === undefined) return undefined;
  if (b === undefined) return `${from} imports ${to}, which is not in any layer`;
  if (a.name === b.name || b.rank < a.rank) return undefined;
  const why = b.rank === a.rank ? "a layer of the same rank (they must stay independent)" : "a higher layer";
  return `${from} imports ${to}: ${b.name} (rank ${b.rank}) is ${why} than ${a.name} (rank ${a.rank})`;
}

function layerOf(file: string): { name: string; rank: number } | undefined {
  const name = file.split("/")[0]!;
  const rank = LAYERS[name];
  return rank === undefined ? undefined : { name, rank };
}

/** Strongly connected components with more than one file (Tarjan), each as a readable path. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) visit(next);
      if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, low.get(next)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1) cycles.push(component.reverse());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listTs(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

if (import.meta.main) {
  const report = checkLayers(join(import.meta.dir, "..", "src"));
  for (const problem of report.problems) console.error(problem);
  const verdict = report.problems.length === 0 ? "ok" : `${report.problems.length} problem(s)`;
  console.log(`layers: ${report.files} files, ${report.imports} imports, ${verdict}`);
  process.exit(report.problems.length === 0 ? 0 : 1);
}
