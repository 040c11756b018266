// Scheduled notifications waiting for their due time, and the one timer that wakes for
// the earliest of them. A min-heap by due time: adding is O(log n), and 100,000 waiting
// notifications are one sleep on the clock, not 100,000. A notification leaving early (a
// deletion) is dropped from the index at once and from the heap when it surfaces, or when
// such leftovers outnumber the live entries (a rebuild, O(1) per removal amortised).
import { GenerationalMap } from "../lib/generational-map.ts";
import type { Clock } from "../lib/clock.ts";
import type { NotificationState } from "./types.ts";

/**
 * The timer never sleeps longer than this before looking at the clock again, so a step of
 * the wall clock (NTP, a resumed VM) is noticed within this much: a sleep measures elapsed
 * time, while a due time is a time of day.
 */
export const MAX_TIMER_MS = 10_000;

interface Entry {
  due: number;
  /** Order of adding: notifications due at the same moment go in the order they were accepted (per chat, that is the order people read them). */
  seq: number;
  state: NotificationState;
}

/** Whether `a` comes out before `b`. */
const before = (a: Entry, b: Entry) => a.due < b.due || (a.due === b.due && a.seq < b.seq);

export interface DueQueueOptions {
  clock: Clock;
  /** Called once per notification, when its due time has come. */
  onDue: (state: NotificationState) => void;
  /** Stops the timer for good (shutdown). */
  signal: AbortSignal;
}

export class DueQueue {
  readonly #heap: Entry[] = [];
  /** The notifications still waiting, by id. */
  readonly #waiting = new GenerationalMap<string, NotificationState>();
  #timer: AbortController | undefined;
  /** When the armed timer wakes (Infinity: none armed). */
  #wakeAt = Infinity;
  #seq = 0;

  constructor(private readonly options: DueQueueOptions) {}

  get size(): number {
    return this.#waiting.size;
  }

  /** Waits for `state.dueAt` (a notification already waiting stays as it is). */
  add(state: NotificationState): void {
    if (state.dueAt === undefined || this.#waiting.has(state.id) || this.options.signal.aborted) return;
    this.#waiting.set(state.id, state);
    this.#push({ due: state.dueAt, seq: this.#seq++, state });
    this.#arm();
  }

  /** Stops waiting for it (deleted before its time). */
  delete(id: string): void {
    if (!this.#waiting.delete(id)) return;
    if (this.#heap.length > 2 * this.#waiting.size + 64) this.#rebuild();
  }

  /** (Re)arms the timer when the earliest due time is sooner than the armed one. */
  #arm(): void {
    const next = this.#heap[0];
    if (!next) return;
    const now = this.options.clock.now();
    const wakeAt = Math.min(next.due, now + MAX_TIMER_MS);
    if (wakeAt >= this.#wakeAt) return;
    this.#timer?.abort();
    const timer = new AbortController();
    this.#timer = timer;
    this.#wakeAt = wakeAt;
    this.options.clock.sleep(Math.max(0, wakeAt - now), AbortSignal.any([timer.signal, this.options.signal])).then(
      () => this.#fire(timer),
      () => {}, // replaced by an earlier one, or shut down
    );
  }

  #fire(timer: AbortController): void {
    if (this.#timer !== timer) return;
    this.#timer = undefined;
    this.#wakeAt = Infinity;
    const now = this.options.clock.now();
    while (this.#heap.length > 0 && this.#heap[0]!.due <= now) {
      const { state } = this.#pop();
      if (this.#waiting.get(state.id) !== state) continue; // deleted meanwhile
      this.#waiting.delete(state.id);
      this.options.onDue(state);
    }
    this.#arm();
  }

  #rebuild(): void {
    const live = this.#heap.filter((entry) => this.#waiting.get(entry.state.id) === entry.state);
    this.#heap.length = 0;
    for (const entry of live) this.#push(entry);
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = entry;
  }

  #pop(): Entry {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
    return top;
  }
}
