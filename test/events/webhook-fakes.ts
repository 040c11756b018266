// Fakes for the webhook pusher tests: a scriptable fetch that records each POST, a cursor
// kept in memory, and a way to let the pusher's promise chains run without real sleeps.
import type { WebhookCursor } from "../../src/events/webhook-cursor.ts";
import type { FetchLike } from "../../src/events/webhook-post.ts";

export interface Post {
  url: string;
  eventId: string;
  body: string;
  headers: Record<string, string>;
  signal: AbortSignal;
}

export interface FakeFetch {
  fetch: FetchLike;
  posts: Post[];
  /** Answers a POST: a Response, a thrown error, or a promise (never settled = a hung receiver). */
  answer: (post: Post, index: number) => Response | Promise<Response>;
  /** Ids of POSTs answered 2xx. */
  acknowledged(): string[];
}

export function fakeFetch(): FakeFetch {
  const posts: Post[] = [];
  const outcomes: Array<{ id: string; ok: boolean }> = [];
  const fake: FakeFetch = {
    posts,
    answer: () => new Response(null, { status: 204 }),
    acknowledged: () => outcomes.filter((o) => o.ok).map((o) => o.id),
    fetch: async (url, init) => {
      const headers = init.headers as Record<string, string>;
      const post: Post = {
        url,
        eventId: headers["X-Tgsignal-Event"]!,
        body: new TextDecoder().decode(init.body as Uint8Array),
        headers,
        signal: init.signal!,
      };
      posts.push(post);
      const aborted = new Promise<never>((_, reject) => {
        if (post.signal.aborted) reject(post.signal.reason);
        post.signal.addEventListener("abort", () => reject(post.signal.reason), { once: true });
      });
      const response = await Promise.race([fake.answer(post, posts.length - 1), aborted]);
      outcomes.push({ id: post.eventId, ok: response.ok });
      return response;
    },
  };
  return fake;
}

export interface MemoryCursor extends Pick<WebhookCursor, "load" | "save" | "path"> {
  value: string | null;
  saves: string[];
}

export function memoryCursor(value: string | null = "0"): MemoryCursor {
  const cursor: MemoryCursor = {
    path: "/data/webhooks/test.json",
    value,
    saves: [],
    load: async () => cursor.value,
    save: async (after) => {
      cursor.value = after;
      cursor.saves.push(after);
    },
  };
  return cursor;
}

/**
 * Lets promise chains and I/O callbacks run (no timers of ours) until `done` holds. The
 * budget is only a guard against a hang: file writes (fsync) take real time.
 */
export async function until(done: () => boolean, what = "condition", budgetMs = 4000): Promise<void> {
  const deadline = performance.now() + budgetMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Lets everything pending run (for asserting that nothing more happens). */
export async function settle(turns = 200): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
