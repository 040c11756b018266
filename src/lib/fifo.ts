// A first-in first-out queue in chunks: a lane with half a million queued deliveries is
// an array that is pushed at one end and shifted at the other. One array moves every
// element on each shift, and JavaScriptCore rescans a written array whole at each
// collection; in chunks, a push writes the last small chunk and a shift moves nothing.

const CHUNK = 1024;

export class Fifo<T> {
  /** Chunks, oldest first; items before `#head` in the first one are gone. */
  readonly #chunks: T[][] = [[]];
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    let last = this.#chunks[this.#chunks.length - 1]!;
    if (last.length === CHUNK) this.#chunks.push((last = []));
    last.push(item);
    this.#length++;
  }

  /** The oldest item, left in the queue. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#chunks[0]![this.#head];
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const first = this.#chunks[0]!;
    const item = first[this.#head];
    first[this.#head] = undefined as T; // let it go
    this.#length--;
    if (++this.#head === first.length && (this.#chunks.length > 1 || this.#length === 0)) {
      if (this.#chunks.length > 1) this.#chunks.shift();
      else first.length = 0;
      this.#head = 0;
    }
    return item;
  }

  *[Symbol.iterator](): Generator<T> {
    for (let c = 0; c < this.#chunks.length; c++) {
      const chunk = this.#chunks[c]!;
      for (let i = c === 0 ? this.#head : 0; i < chunk.length; i++) yield chunk[i]!;
    }
  }
}
