// A small Prometheus registry: counters, gauges and histograms with labels, rendered in
// the text exposition format. Collectors let a gauge read live state at scrape time.
import { redactor } from "./redact.ts";

type Labels = Record<string, string | number>;
type Kind = "counter" | "gauge" | "histogram";

interface Family {
  name: string;
  help: string;
  kind: Kind;
  render(): string[];
}

function labelText(labels: Labels | undefined, extra?: Labels): string {
  const all = { ...labels, ...extra };
  const parts = Object.entries(all).map(
    ([key, value]) => `${key}="${String(value).replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`,
  );
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** One key per label set whatever the order of its names; built on every increment, so kept cheap. */
function seriesKey(labels: Labels | undefined): string {
  if (!labels) return "";
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let key = "";
  for (const name of names) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

export class Counter {
  readonly #values = new Map<string, { labels?: Labels; value: number }>();
  constructor(readonly name: string) {}
  inc(labels?: Labels, by = 1): void {
    const key = seriesKey(labels);
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else this.#values.set(key, { labels, value: by });
  }
  get(labels?: Labels): number {
    return this.#values.get(seriesKey(labels))?.value ?? 0;
  }
  render(): string[] {
    return [...this.#values.values()].map(({ labels, value }) => `${this.name}${labelText(labels)} ${value}`);
  }
}

export class Gauge {
  readonly #values = new Map<string, { labels?: Labels; value: number }>();
  #collect?: () => Array<[Labels | undefined, number]>;
  constructor(readonly name: string) {}
  set(value: number, labels?: Labels): void {
    this.#values.set(seriesKey(labels), { labels, value });
  }
  /** Reads values at scrape time instead of storing them. */
  collect(fn: () => Array<[Labels | undefined, number]>): this {
    this.#collect = fn;
    return this;
  }
  get(labels?: Labels): number | undefined {
    if (this.#collect) return this.#collect().find(([l]) => seriesKey(l) === seriesKey(labels))?.[1];
    return this.#values.get(seriesKey(labels))?.value;
  }
  render(): string[] {
    const series = this.#collect
      ? this.#collect()
      : [...this.#values.values()].map(({ labels, value }) => [labels, value] as [Labels | undefined, number]);
    return series.map(([labels, value]) => `${this.name}${labelText(labels)} ${value}`);
  }
}

export class Histogram {
  readonly #series = new Map<string, { labels?: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly buckets: readonly number[],
  ) {}
  observe(value: number, labels?: Labels): void {
    const key = seriesKey(labels);
    let entry = this.#series.get(key);
    if (!entry) {
      entry = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, entry);
    }
    this.buckets.forEach((bound, index) => {
      if (value <= bound) entry.counts[index]!++;
    });
    entry.sum += value;
    entry.count++;
  }
  render(): string[] {
    const lines: string[] = [];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      this.buckets.forEach((bound, index) => lines.push(`${this.name}_bucket${labelText(labels, { le: bound })} ${counts[index]}`));
      lines.push(`${this.name}_bucket${labelText(labels, { le: "+Inf" })} ${count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${sum}`);
      lines.push(`${this.name}_count${labelText(labels)} ${count}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  readonly #families = new Map<string, Family & { metric: Counter | Gauge | Histogram }>();

  counter(name: string, help: string): Counter {
    return this.#register(name, help, "counter", () => new Counter(name)) as Counter;
  }
  gauge(name: string, help: string): Gauge {
    return this.#register(name, help, "gauge", () => new Gauge(name)) as Gauge;
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.#register(name, help, "histogram", () => new Histogram(name, buckets)) as Histogram;
  }

  #register(name: string, help: string, kind: Kind, make: () => Counter | Gauge | Histogram) {
    const existing = this.#families.get(name);
    if (existing) return existing.metric;
    const metric = make();
    this.#families.set(name, { name, help, kind, metric, render: () => metric.render() });
    return metric;
  }

  render(): string {
    const out: string[] = [];
    for (const family of this.#families.values()) {
      out.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.kind}`, ...family.render());
    }
    return redactor.redact(out.join("\n") + "\n");
  }
}
