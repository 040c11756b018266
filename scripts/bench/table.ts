// Shared output for benchmarks: a `figure | value | goal` table, plus simple statistics.

export interface Row {
  figure: string;
  value: string;
  goal: string;
  /** undefined = informational */
  ok?: boolean;
}

export function printTable(title: string, rows: Row[]): void {
  const widths = [
    Math.max(6, ...rows.map((r) => r.figure.length)),
    Math.max(5, ...rows.map((r) => r.value.length)),
    Math.max(4, ...rows.map((r) => r.goal.length)),
  ];
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(`\n${title}`);
  console.log(line(["figure", "value", "goal"]));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line([row.figure, row.value, `${row.goal}${row.ok === undefined ? "" : row.ok ? " ✓" : " ✗"}`]));
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const median = (values: number[]) => percentile(values, 50);

export const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
