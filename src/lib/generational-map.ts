// A Map for many entries that arrive over time and mostly leave in about the same order
// (notifications by id while a backlog builds up). One JavaScript Map of half a million
// entries that keeps being written costs the garbage collector dearly: JavaScriptCore
// rescans a written table whole, and its pauses grew to 10–25 ms, which is what a notify
// request's p99 showed with a large backlog. Here new entries go into the newest of a
// series of smaller maps, so only that one is written between collections; older ones
// only lose entries, and go once empty. A key not in the map costs a probe per generation
// (8 for half a million entries). (Measured: scripts/bench/generational-map.ts.)

/** How many entries the newest generation takes before a new one starts. */
export const GENERATION_SIZE = 65_536;

export class GenerationalMap<K, V> {
  /** Oldest first; never empty: the last one takes new entries. */
  #generations: Array<Map<K, V>> = [new Map()];
  #size = 0;

  constructor(private readonly generationSize = GENERATION_SIZE) {}

  get size(): number {
    return this.#size;
  }

  get(key: K): V | undefined {
    return this.#holder(key)?.get(key);
  }

  has(key: K): boolean {
    return this.#holder(key) !== undefined;
  }

  /** Replaces the value where the key is, or adds it to the newest generation. */
  set(key: K, value: V): this {
    const holder = this.#holder(key);
    if (holder) {
      holder.set(key, value);
      return this;
    }
    let newest = this.#generations[this.#generations.length - 1]!;
    if (newest.size >= this.generationSize) this.#generations.push((newest = new Map()));
    newest.set(key, value);
    this.#size++;
    return this;
  }

  /** Oldest first: what leaves is mostly what came first. */
  delete(key: K): boolean {
    const generations = this.#generations;
    for (let i = 0; i < generations.length; i++) {
      const generation = generations[i]!;
      if (!generation.delete(key)) continue;
      this.#size--;
      // An emptied older generation goes; the newest stays to take entries.
      if (generation.size === 0 && i < generations.length - 1) generations.splice(i, 1);
      return true;
    }
    return false;
  }

  clear(): void {
    this.#generations = [new Map()];
    this.#size = 0;
  }

  /** In insertion order, as a Map iterates (a replaced value keeps its place). */
  *entries(): Generator<[K, V]> {
    for (const generation of [...this.#generations]) yield* generation.entries();
  }

  *keys(): Generator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): Generator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): Generator<[K, V]> {
    return this.entries();
  }

  /** The generation holding `key`; newest first, where lookups mostly land. */
  #holder(key: K): Map<K, V> | undefined {
    const generations = this.#generations;
    for (let i = generations.length - 1; i >= 0; i--) if (generations[i]!.has(key)) return generations[i];
    return undefined;
  }
}

/** The same for a set of keys. */
export class GenerationalSet<K> {
  readonly #map: GenerationalMap<K, true>;

  constructor(generationSize = GENERATION_SIZE) {
    this.#map = new GenerationalMap(generationSize);
  }

  get size(): number {
    return this.#map.size;
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  add(key: K): this {
    this.#map.set(key, true);
    return this;
  }

  /** Adds the key unless it is there (one search, not has() and add()); whether it was added. */
  tryAdd(key: K): boolean {
    const before = this.#map.size;
    this.#map.set(key, true);
    return this.#map.size > before;
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  *[Symbol.iterator](): Generator<K> {
    yield* this.#map.keys();
  }
}
